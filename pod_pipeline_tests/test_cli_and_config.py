"""The shipped entry points and config files: every subcommand has --help, the code location
validates, and each dagster.yaml the project ships or writes builds a working instance."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance

from pod_pipeline.tools.cli import build_parser
from pod_pipeline.tools.instance_config import write_embedded_instance
from pod_pipeline.defs.environment import build_resources
from pod_pipeline.settings.mode import ConfigurationError, current_mode

ROOT = Path(__file__).resolve().parents[1]


def subcommands(parser, prefix=()):
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for name, child in action.choices.items():
            yield prefix + (name,)
            yield from subcommands(child, prefix + (name,))


@pytest.mark.parametrize("command", list(subcommands(build_parser())), ids=" ".join)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([*command, "--help"])
    assert done.value.code == 0
    assert "usage: pod-pipeline " + " ".join(command) in capsys.readouterr().out


def bare_environment() -> dict[str, str]:
    """A fresh clone's shell: nothing of the project's set (no DAGSTER_HOME, no POD_*, no keys)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("POD_", "DAGSTER_", "GELATO_", "SUPABASE_", "ANTHROPIC_"))}


@pytest.mark.parametrize("command", [["dagster", "definitions", "validate"], ["dg", "check", "defs"]])
def test_dagsters_own_commands_work_from_the_repository_root_with_nothing_set(command):
    # They read the top-level dagster.yaml: it must be the development instance, not one that
    # needs DAGSTER_PG_URL.
    done = subprocess.run([str(Path(sys.executable).with_name(command[0])), *command[1:]], cwd=ROOT,
                          env=bare_environment(), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "DAGSTER_PG_URL" not in done.stdout + done.stderr


def test_the_top_level_instance_is_the_one_demo_and_dev_write(tmp_path):
    write_embedded_instance(tmp_path)
    assert (ROOT / "dagster.yaml").read_text() == (tmp_path / "dagster.yaml").read_text()


def test_embedded_instance_config_builds_an_instance(tmp_path):
    write_embedded_instance(tmp_path)
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 4
    assert yaml.safe_load((tmp_path / "dagster.yaml").read_text())["telemetry"] == {"enabled": False}


def test_production_mode_names_the_missing_variable():
    with pytest.raises(ConfigurationError, match="GELATO_API_KEY, POD_STORAGE, POD_CATALOG_URL, POD_COPYWRITER"):
        build_resources({"POD_MODE": "production"})
    with pytest.raises(ConfigurationError, match="POD_COPYWRITER"):
        build_resources({"POD_MODE": "production", "GELATO_API_KEY": "k", "POD_STORAGE": "local",
                         "POD_CATALOG_URL": "sqlite:///x.db"})
    with pytest.raises(ConfigurationError, match="POD_MODE"):
        current_mode({"POD_MODE": "prod"})  # a typo is refused, never taken for demo


def test_demo_mode_points_gelato_at_the_sandbox():
    resources = build_resources({"POD_SANDBOX_URL": "http://127.0.0.1:9999"})
    assert resources["gelato"].ecommerce_url == "http://127.0.0.1:9999/v1"
    assert resources["gelato"].product_url == "http://127.0.0.1:9999/v3"


@pytest.mark.parametrize("env, message", [
    ({"POD_STORAGE": "s3"}, "POD_STORAGE must be one of"),
    ({"POD_STORAGE": "supabase"}, "SUPABASE_URL is not set"),
    ({"POD_STORAGE": "supabase", "SUPABASE_URL": "project.supabase.co", "SUPABASE_SERVICE_ROLE_KEY": "k"},
     "SUPABASE_URL must be an http(s) URL"),
    ({"POD_STORAGE": "supabase", "SUPABASE_URL": "https://p.supabase.co"}, "SUPABASE_SERVICE_ROLE_KEY is not set"),
    ({"POD_STORAGE": "supabase", "SUPABASE_URL": "https://p.supabase.co", "SUPABASE_SERVICE_ROLE_KEY": "k",
      "SUPABASE_DB_URL": "mysql://x"}, "SUPABASE_DB_URL must be a postgresql://"),
    ({"POD_STORAGE": "supabase", "SUPABASE_URL": "https://p.supabase.co", "SUPABASE_SERVICE_ROLE_KEY": "k",
      "POD_SIGNED_URL_SECONDS": "5m"}, "POD_SIGNED_URL_SECONDS"),
    ({"POD_CATALOG_URL": "postgres-db"}, "POD_CATALOG_URL must be"),
    ({"POD_COPYWRITER": "gpt"}, "POD_COPYWRITER must be one of offline, claude"),
    ({"POD_COPYWRITER": "claude"}, "POD_COPYWRITER=claude needs ANTHROPIC_API_KEY"),
    ({"POD_COPYWRITER": "claude", "ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "localhost:9"},
     "ANTHROPIC_BASE_URL must be an http(s) URL"),
])
def test_a_missing_or_malformed_variable_is_named(env, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        build_resources(env)


def test_secrets_from_the_process_environment_are_held_by_name(monkeypatch):
    from dagster import EnvVar

    env = {"POD_STORAGE": "supabase", "SUPABASE_URL": "https://p.supabase.co",
           "SUPABASE_SERVICE_ROLE_KEY": "service-secret", "POD_CATALOG_URL": "postgresql://u:pw@h/db"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    resources = build_resources(os.environ)
    assert isinstance(resources["storage"].service_role_key, EnvVar)
    assert isinstance(resources["catalog"].url, EnvVar)
    assert "service-secret" not in repr(resources) and "pw@" not in repr(resources)
