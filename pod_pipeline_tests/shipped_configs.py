"""Validating the config files the project ships with Dagster's own schemas: the instance schema
for each dagster.yaml, then each configurable class (run launcher, storage, log manager…) against
that class's own `config_type()` — the instance schema takes their `config:` blocks as free-form,
so a misspelt launcher key would otherwise only surface when the daemon starts."""

import re
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from dagster._config import process_config, resolve_to_config_type
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config, dagster_instance_config_schema
from dagster._core.workspace.config_schema import process_workspace_config
from dagster._serdes import class_from_code_pointer

ROOT = Path(__file__).resolve().parents[1]

# The sections of dagster.yaml that name a class (`module`, `class`, `config`).
CONFIGURABLE_SECTIONS = (
    "run_launcher", "run_coordinator", "compute_logs", "local_artifact_storage", "scheduler",
    "run_storage", "event_log_storage", "schedule_storage", "secrets", "defs_state_storage",
)

# Where config files live, and which kind each is (the test has a validator per kind).
SHIPPED_PATTERNS = {
    "dagster.yaml": "instance",
    "workspace.yaml": "workspace",
    "pyproject.toml": "pyproject",
    "constraints.txt": "constraints",
    ".env.example": "env_example",
    "deploy/postgres/dagster.yaml": "instance",
    "deploy/docker/dagster.yaml": "instance",
    "deploy/docker/workspace.yaml": "workspace",
    "deploy/docker/compose.yaml": "compose",
    "deploy/docker/Dockerfile": "dockerfile",
    "deploy/celery/dagster.yaml": "instance",
    "deploy/celery/worker.yaml": "celery_worker",
    "deploy/helm/values.yaml": "helm_values",
    "pod_pipeline/settings/*.yaml": "settings",
    "pod_pipeline/tools/sandbox/*.yaml": "sandbox_catalog",
    "supabase/*.toml": "toml",
    ".github/workflows/*.yml": "github_workflow",  # test_ci_files.py
}
# Every file in these places, or with these names anywhere outside the virtualenv and the Git
# folder, counts as a shipped config file and needs a kind above.
CONFIG_SUFFIXES = (".yaml", ".yml", ".toml", ".ini", ".cfg", ".json")
CONFIG_FOLDERS = ("deploy",)


def _project_files(root: Path) -> list[Path]:
    """Tracked and new files, without what .gitignore leaves out (the virtualenv, `.pod/`, the
    throw-away instances tests make); a plain walk where Git is not available."""
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=root,
                                capture_output=True, text=True, check=True, timeout=30).stdout.splitlines()
        return [root / name for name in listed if (root / name).is_file()]
    except (OSError, subprocess.SubprocessError):
        skip = {".venv", ".git", ".pod", "pod_pipeline.egg-info", ".pytest_cache", "__pycache__"}
        return [p for p in root.rglob("*") if p.is_file() and not skip & set(p.relative_to(root).parts)]


def shipped_config_files(root: Path = ROOT) -> list[Path]:
    found = set()
    for path in _project_files(root):
        parts = path.relative_to(root).parts
        if parts[0] == "pod_pipeline_tests":
            continue
        if path.suffix in CONFIG_SUFFIXES or parts[0] in CONFIG_FOLDERS or path.name in (".env.example", "constraints.txt"):
            found.add(path)
    return sorted(found)


def kind_of(path: Path, root: Path = ROOT) -> str | None:
    relative = path.relative_to(root)
    return next((kind for pattern, kind in SHIPPED_PATTERNS.items() if relative.match(pattern)
                 and len(relative.parts) == len(Path(pattern).parts)), None)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _raise_on_errors(result, what: str, value: object) -> Any:
    if not result.success:
        raise DagsterInvalidConfigError(f"Errors in {what}.", result.errors, value)
    return result.value


def validate_configurable_class(section: Mapping[str, Any], what: str) -> tuple[type, Mapping[str, Any]]:
    """The class a section names, and its config processed by the class's own schema (environment
    sources resolved, so every `{env: X}` must be set)."""
    klass = class_from_code_pointer(section["module"], section["class"])
    config = section.get("config") or {}
    value = _raise_on_errors(process_config(resolve_to_config_type(klass.config_type()), config), what, config)
    return klass, value


def validate_instance_config(config: Mapping[str, Any]) -> dict[str, tuple[type, Mapping[str, Any]]]:
    """Raise `DagsterInvalidConfigError` unless `config` is a valid dagster.yaml; returns each
    configurable section's class and processed config."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "dagster.yaml").write_text(yaml.safe_dump(dict(config)), encoding="utf-8")
        dagster_instance_config(folder)  # Dagster's checks: schema, run_queue vs concurrency, pools
    schema = resolve_to_config_type(dagster_instance_config_schema())
    _raise_on_errors(process_config(schema, dict(config)), "the instance config", config)
    return {name: validate_configurable_class(config[name], f"the `{name}` section")
            for name in CONFIGURABLE_SECTIONS if isinstance(config.get(name), Mapping) and "module" in config[name]}


def validate_workspace(config: Mapping[str, Any]) -> Mapping[str, Any]:
    return _raise_on_errors(process_workspace_config(config), "the workspace", config)


_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolation_names(text: str) -> dict[str, str]:
    """`${NAME}`, `${NAME:-default}`, `${NAME:?message}` in a compose value: name -> operator."""
    return {m["name"]: m["op"] or "" for m in _INTERPOLATION.finditer(text)}


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's interpolation for the forms this project uses (a required variable that is unset
    or empty is an error, as `docker compose` reports it)."""
    def replace(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name, "")
        if op in (":-", "-"):
            return current if current or (op == "-" and name in env) else arg
        if op in (":?", "?") and not current:
            raise KeyError(f"{name}: {arg}")
        return current
    return _INTERPOLATION.sub(replace, value)
