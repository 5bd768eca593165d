"""Which environment variables the code reads, found in its source, and which `.env.example`
documents: the test holds the two together so a new variable cannot ship undocumented.

Three nets, because variables are read in three ways here:
- a name passed straight to an environment lookup (`env.get("X")`, `os.environ["X"]`,
  `os.getenv("X")`, `EnvVar("X")`), whatever it is called;
- a name kept in a constant and looked up later (`SETTINGS_ENV = "POD_SETTINGS"`, the tuples of
  `RATE_LIMIT_VARIABLES`): every string in the package shaped like one of the project's variables;
- the same without the project's prefix (`URL_VARIABLES = ("SUPABASE_DB_URL", "DATABASE_URL")`):
  every variable-shaped string in a module-level constant whose name says it holds variables.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pod_pipeline"
ENV_EXAMPLE = ROOT / ".env.example"

VARIABLE_SHAPE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
PROJECT_PREFIXES = ("POD_", "GELATO_", "SUPABASE_", "ANTHROPIC_", "SENTRY_", "DAGSTER_")
# Strings shaped like a variable that are not read from the environment.
NOT_VARIABLES = {
    "GELATO_PRODUCT_ID": "cli.py: the metavar of `reconcile --delete`",
}
_ENVIRONMENT_NAMES = ("env", "environ", "environment")
_VARIABLE_CONSTANT = re.compile(r"(^|_)(ENV|VARIABLES?|REQUIRED)(_|$)")
_ENV_EXAMPLE_LINE = re.compile(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def _is_environment(node: ast.AST) -> bool:
    """`env`, `os.environ`, `self.env`, `ctx.env`: anything named like an environment mapping."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name.lower() in _ENVIRONMENT_NAMES or name.lower().endswith("_env")


def _string(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _direct_reads(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environment(node.value):
            names.add(_string(node.slice))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            lookup = isinstance(func, ast.Attribute) and (
                (func.attr in ("get", "pop", "setdefault") and _is_environment(func.value)) or func.attr == "getenv")
            constructor = isinstance(func, ast.Name) and func.id in ("EnvVar", "getenv")
            if lookup or constructor:
                names.add(_string(node.args[0]))
    return {name for name in names if name and VARIABLE_SHAPE.fullmatch(name)}


def _project_shaped_strings(tree: ast.AST) -> set[str]:
    return {
        value for node in ast.walk(tree)
        if (value := _string(node)) and VARIABLE_SHAPE.fullmatch(value) and value.startswith(PROJECT_PREFIXES)
    }


def _variable_constants(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if node_value := getattr(node, "value", None):
            if any(isinstance(t, ast.Name) and _VARIABLE_CONSTANT.search(t.id) for t in targets):
                names |= {v for n in ast.walk(node_value) if (v := _string(n)) and VARIABLE_SHAPE.fullmatch(v)}
    return names


def variables_read_by_code(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Variable name -> the package files (relative paths) that mention it."""
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = _direct_reads(tree) | _project_shaped_strings(tree) | _variable_constants(tree)
        for name in names - NOT_VARIABLES.keys():
            found.setdefault(name, set()).add(str(path.relative_to(package.parent)))
    return found


def env_references(config: object) -> set[str]:
    """Every `{env: NAME}` in a parsed Dagster YAML file (Dagster reads these itself)."""
    if isinstance(config, dict):
        if set(config) == {"env"} and isinstance(config["env"], str):
            return {config["env"]}
        return set().union(*(env_references(value) for value in config.values()))
    if isinstance(config, list):
        return set().union(*(env_references(value) for value in config))
    return set()


def documented_variables(path: Path = ENV_EXAMPLE) -> dict[str, bool]:
    """Name -> whether `.env.example` sets it (`NAME=…`) rather than only mentioning it commented
    out (`#NAME=…`, an optional variable with its default)."""
    documented: dict[str, bool] = {}
    for match in _ENV_EXAMPLE_LINE.finditer(path.read_text(encoding="utf-8")):
        line = match.group(0)
        documented[match.group(1)] = documented.get(match.group(1), False) or not line.lstrip().startswith("#")
    return documented
