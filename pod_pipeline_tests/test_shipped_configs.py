"""Every config file the project ships is validated here: each dagster.yaml through Dagster's
instance schema and its launcher's own schema, workspaces through the workspace schema, the Helm
values against the chart's keys and the instance they render, compose against the files it runs,
the settings and sandbox files through their loaders, .env.example against the code's variables."""

import argparse
import copy
import importlib.util
import re
import tomllib
import uuid
from pathlib import Path

import pytest
import yaml
from celery import Celery
from dagster import DagsterInstance, DagsterRun
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.launcher import WorkerStatus
from dagster_celery.cli import get_validated_config
from dagster_celery.launcher import CeleryRunLauncher
from dagster_celery.tags import DAGSTER_CELERY_TASK_ID_TAG
from dagster_docker import DockerRunLauncher
from dagster_k8s import K8sRunLauncher

from pod_pipeline.tools.cli import build_parser
from pod_pipeline.tools.commands import validate_settings
from pod_pipeline.gelato.client import ECOMMERCE_URL, PRODUCT_URL
from pod_pipeline.defs.environment import build_resources
from pod_pipeline.settings.mode import PRODUCTION, current_mode
from pod_pipeline.tools.sandbox.seed import load_catalog
from pod_pipeline.tools.storage_standin import temporary_database
from pod_pipeline_tests import helm_chart
from pod_pipeline_tests.env_variables import documented_variables, env_references, variables_read_by_code
from pod_pipeline_tests.shipped_configs import (
    ROOT, interpolate, interpolation_names, kind_of, load_yaml, shipped_config_files, validate_instance_config,
    validate_workspace,
)

DOCKER, CELERY, HELM = ROOT / "deploy/docker", ROOT / "deploy/celery", ROOT / "deploy/helm/values.yaml"
POSTGRES_INSTANCE = "deploy/postgres/dagster.yaml"
INSTANCE_FILES = {"dagster.yaml": None, POSTGRES_INSTANCE: None, "deploy/docker/dagster.yaml": DockerRunLauncher,
                  "deploy/celery/dagster.yaml": CeleryRunLauncher}
# Kinds of file and the test(s) below that validate them.
VALIDATED_KINDS = {"instance", "workspace", "pyproject", "constraints", "env_example", "compose", "dockerfile",
                   "celery_worker", "helm_values", "settings", "sandbox_catalog", "toml", "github_workflow"}
# What run containers are not given, and why (everything else the code reads, they are).
NOT_FOR_RUNS = {
    "POD_SANDBOX_URL": "demo only", "POD_BUCKET_DIR": "local bucket (demo)", "POD_BUCKET_URL": "local bucket (demo)",
    "DAGSTER_HOME": "set by the image", "DATABASE_URL": "`db migrate` fallback, run by an operator",
    "GELATO_WEBHOOK_SECRET": "webhook receiver only", "GELATO_WEBHOOK_HEADER": "webhook receiver only",
    "CHROMIUM_PATH": "`pod-pipeline screenshots` and the browser test only",
    "POD_SHOPIFY_URL": "demo only (the Shopify stand-in)", "POD_ETSY_URL": "demo only (the Etsy stand-in)",
    "POD_DEMO_ETSY_KEY": "set by the demo", "POD_DEMO_ETSY_TOKEN": "set by the demo",
    "POD_DEMO_SHOPIFY_TOKEN": "set by the demo", "POD_DEMO_SHOPIFY_SHOP": "set by the demo",
    "DAGSTER_CELERY_BROKER_URL": "the Celery option's daemon and workers (deploy/celery), not Docker's runs",
    "DAGSTER_CELERY_BACKEND_URL": "the Celery option's daemon and workers (deploy/celery), not Docker's runs",
}
PARITY_SECTIONS = ("concurrency", "run_monitoring", "run_retries", "retention")


@pytest.fixture
def deploy_env(monkeypatch):
    """The variables the deployment files resolve (Dagster resolves `{env: X}` on load)."""
    values = {"DAGSTER_PG_URL": "postgresql://dagster:pw@postgres:5432/dagster", "POD_IMAGE": "pod_pipeline:test",
              "DAGSTER_PG_PASSWORD": "pw", "DAGSTER_CELERY_BROKER_URL": "pyamqp://guest@rabbitmq:5672//",
              "DAGSTER_CELERY_BACKEND_URL": "db+postgresql://dagster:pw@postgres:5432/dagster"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture(scope="module")
def dagster_database():
    with temporary_database(prefix="pod_deploy") as url:
        yield url


def compose() -> dict:
    return load_yaml(DOCKER / "compose.yaml")


def launcher_config(path: Path) -> dict:
    return load_yaml(path)["run_launcher"]["config"]


def test_every_shipped_config_file_has_a_validator():
    kinds = {path.relative_to(ROOT).as_posix(): kind_of(path) for path in shipped_config_files()}
    assert None not in kinds.values(), f"config files no test validates: {[p for p, k in kinds.items() if k is None]}"
    assert set(kinds.values()) <= VALIDATED_KINDS
    assert {"dagster.yaml", "workspace.yaml", "deploy/helm/values.yaml", ".env.example"} <= kinds.keys()


@pytest.mark.parametrize("name", INSTANCE_FILES)
def test_dagster_instance_files_validate(name, deploy_env):
    sections = validate_instance_config(load_yaml(ROOT / name))
    assert sections.get("run_launcher", (None,))[0] is INSTANCE_FILES[name]


@pytest.mark.parametrize("deployment", ["deploy/docker/dagster.yaml", "deploy/celery/dagster.yaml", "helm"])
def test_deployments_keep_the_production_limits(deployment):
    top = load_yaml(ROOT / POSTGRES_INSTANCE)
    config = helm_chart.render_instance(load_yaml(HELM)) if deployment == "helm" else load_yaml(ROOT / deployment)
    # The chart wants all four tick statuses; `started: -1` is Dagster's default for the Postgres file.
    top["retention"]["sensor"]["purge_after_days"].setdefault("started", -1)
    config["retention"]["sensor"]["purge_after_days"].setdefault("started", -1)
    assert {s: config.get(s) for s in PARITY_SECTIONS} == {s: top.get(s) for s in PARITY_SECTIONS}
    assert "run_queue" not in config and "run_coordinator" not in config  # the concurrency block rules


def test_a_misspelt_launcher_key_fails(deploy_env):
    docker = load_yaml(DOCKER / "dagster.yaml")
    docker["run_launcher"]["config"]["env_var"] = docker["run_launcher"]["config"].pop("env_vars")
    with pytest.raises(DagsterInvalidConfigError, match="env_var"):
        validate_instance_config(docker)
    rendered = helm_chart.render_instance(load_yaml(HELM))
    rendered["run_launcher"]["config"]["env_secret"] = rendered["run_launcher"]["config"].pop("env_secrets")
    with pytest.raises(DagsterInvalidConfigError, match="env_secret"):
        validate_instance_config(rendered)


@pytest.mark.parametrize("mistake", ["monitoring key", "run_queue beside concurrency", "storage key", "unset env"])
def test_instance_mistakes_fail(mistake, deploy_env, monkeypatch):
    config = load_yaml(DOCKER / "dagster.yaml")
    if mistake == "monitoring key":
        config["run_monitoring"]["max_runtime_second"] = config["run_monitoring"].pop("max_runtime_seconds")
    elif mistake == "run_queue beside concurrency":
        config["run_queue"] = {"max_concurrent_runs": 8}
    elif mistake == "storage key":
        config["storage"]["postgres"]["postgres_uri"] = config["storage"]["postgres"].pop("postgres_url")
    else:
        monkeypatch.delenv("POD_IMAGE")
    with pytest.raises(DagsterInvalidConfigError):
        validate_instance_config(config)


def _instance_in(folder: Path, source: Path, dagster_url: str, monkeypatch) -> DagsterInstance:
    """`source` as DAGSTER_HOME/dagster.yaml on the local Postgres, its storage folders moved under
    `folder` (the image's /opt/dagster paths do not exist here)."""
    config = load_yaml(source)
    config["local_artifact_storage"]["config"]["base_dir"] = str(folder / "storage")
    config["compute_logs"]["config"]["base_dir"] = str(folder / "storage/logs")
    (folder / "dagster.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("DAGSTER_PG_URL", dagster_url)
    return DagsterInstance.from_config(str(folder))


def test_docker_instance_builds_on_postgres(tmp_path, deploy_env, dagster_database, monkeypatch):
    with _instance_in(tmp_path, DOCKER / "dagster.yaml", dagster_database, monkeypatch) as instance:
        launcher = instance.run_launcher
        assert isinstance(launcher, DockerRunLauncher) and launcher.image == "pod_pipeline:test"
        assert launcher.networks == ["pod_pipeline"] and "GELATO_API_KEY" in launcher.env_vars
        # Run monitoring can see a dead run container with this launcher (the default one cannot).
        assert launcher.supports_check_run_worker_health
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 4
        assert instance.run_monitoring_max_runtime_seconds == 900


def test_celery_monitoring_reads_task_state_from_the_shared_backend(tmp_path, deploy_env, dagster_database, monkeypatch):
    """The daemon's health check asks the result backend about a task a worker runs: with the
    configured `db+postgresql` backend, a worker's STARTED is visible to the launcher's own app."""
    monkeypatch.setenv("DAGSTER_CELERY_BACKEND_URL", f"db+{dagster_database}")
    worker = get_validated_config(str(CELERY / "worker.yaml"))  # what `dagster-celery worker start -y` reads
    assert worker["backend"] == f"db+{dagster_database}" and worker["config_source"]["worker_concurrency"] >= 1
    with _instance_in(tmp_path, CELERY / "dagster.yaml", dagster_database, monkeypatch) as instance:
        launcher = instance.run_launcher
        assert isinstance(launcher, CeleryRunLauncher) and launcher.default_queue == "dagster"
        worker_app = Celery("dagster", broker=worker["broker"], backend=worker["backend"])
        task_id = str(uuid.uuid4())
        run = DagsterRun(job_name="publish_artwork", run_id=str(uuid.uuid4()), tags={DAGSTER_CELERY_TASK_ID_TAG: task_id})
        worker_app.backend.store_result(task_id, None, "STARTED")
        assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
        worker_app.backend.store_result(task_id, RuntimeError("worker lost"), "FAILURE")
        assert launcher.check_run_worker_health(run).status == WorkerStatus.FAILED


def test_celery_worker_uses_the_launchers_broker_and_backend():
    worker = load_yaml(CELERY / "worker.yaml")["execution"]["config"]
    launcher = launcher_config(CELERY / "dagster.yaml")
    assert {k: worker[k] for k in ("broker", "backend")} == {k: launcher[k] for k in ("broker", "backend")}


@pytest.mark.parametrize("name", ["workspace.yaml", "deploy/docker/workspace.yaml"])
def test_workspace_files_validate(name):
    entry = validate_workspace(load_yaml(ROOT / name))["load_from"][0]
    assert entry.get("python_module", entry.get("grpc_server", {})).get("location_name") == "pod_pipeline"
    broken = copy.deepcopy(load_yaml(ROOT / name))
    broken["load_from"][0] = {key + "s": value for key, value in broken["load_from"][0].items()}
    with pytest.raises(DagsterInvalidConfigError):
        validate_workspace(broken)


def test_compose_runs_one_image_and_the_code_server_the_workspace_names():
    services = compose()["services"]
    assert set(services) == {"postgres", "code-server", "webserver", "daemon", "webhooks"}
    images = {services[name]["image"] for name in services if name != "postgres"}
    assert images == {"${POD_IMAGE:-pod_pipeline:latest}"}
    build = services["code-server"]["build"]
    assert (DOCKER / build["context"] / build["dockerfile"]).resolve() == DOCKER / "Dockerfile"
    server = load_yaml(DOCKER / "workspace.yaml")["load_from"][0]["grpc_server"]
    command = services["code-server"]["command"]
    assert command[:3] == ["dagster", "code-server", "start"] and server["host"] == "code-server"
    assert command[command.index("-p") + 1] == str(server["port"])
    assert command[command.index("--location-name") + 1] == server["location_name"]
    assert importlib.util.find_spec(command[command.index("-m") + 1]) is not None
    for name in ("webserver", "daemon"):
        workspace = services[name]["command"][services[name]["command"].index("-w") + 1]
        assert workspace == "/opt/pod_pipeline/workspace.yaml"
    hooks = services["webhooks"]["command"]
    assert hooks[0] == "pod-pipeline" and build_parser().parse_args(hooks[1:]).func.__name__ == "webhooks"


def test_compose_gives_run_containers_the_code_servers_environment(deploy_env):
    spec, docker = compose(), load_yaml(DOCKER / "dagster.yaml")
    pod_env, services = spec["x-pod-env"], spec["services"]
    launcher = docker["run_launcher"]["config"]
    assert sorted(launcher["env_vars"]) == sorted(pod_env)  # a run sees what the code server sees
    for name in ("code-server", "daemon"):
        assert pod_env.items() <= services[name]["environment"].items()
    for name in ("webserver", "daemon"):  # both load the instance, so both resolve its `{env: X}`
        assert env_references(docker) <= services[name]["environment"].keys()
    assert launcher["network"] == spec["networks"]["default"]["name"]
    mounts = {spec["volumes"][v.split(":")[0]]["name"]: v.split(":")[1] for v in services["code-server"]["volumes"]}
    assert {v.split(":")[0]: v.split(":")[1] for v in launcher["container_kwargs"]["volumes"]} == mounts
    storage = docker["local_artifact_storage"]["config"]["base_dir"]
    assert storage in mounts.values() and pod_env["POD_COPY_CACHE_DIR"].startswith(storage + "/")
    assert Path(pod_env["POD_SETTINGS"]).parent.as_posix() in mounts.values()


def test_run_containers_get_every_variable_the_code_reads():
    passed = set(launcher_config(DOCKER / "dagster.yaml")["env_vars"])
    read = set(variables_read_by_code())
    assert read - NOT_FOR_RUNS.keys() <= passed, f"add to compose x-pod-env and env_vars: {read - NOT_FOR_RUNS.keys() - passed}"
    assert passed <= read | env_references(load_yaml(ROOT / "dagster.yaml")), "passed but never read"


def test_compose_environment_starts_production_mode():
    """With only the required variables set (as a filled-in .env), the defaults compose gives the
    optional ones are values the code accepts: production mode builds all of its resources."""
    required = {name for value in compose()["x-pod-env"].values()
                for name, op in interpolation_names(str(value)).items() if op == ":?"}
    dotenv = {name: "x" for name in required} | {
        "POD_STORAGE": "supabase", "POD_CATALOG_URL": "postgresql://postgres:pw@db.example.supabase.co:5432/postgres",
        "POD_COPYWRITER": "offline", "SUPABASE_URL": "https://example.supabase.co"}
    env = {name: interpolate(str(value), dotenv) for name, value in compose()["x-pod-env"].items()}
    with pytest.raises(KeyError, match="GELATO_API_KEY"):
        interpolate(str(compose()["x-pod-env"]["GELATO_API_KEY"]), {})
    assert current_mode(env).name == PRODUCTION
    resources = build_resources({**env, "POD_SETTINGS": str(ROOT / "pod_pipeline/settings/default.yaml")})
    assert (resources["gelato"].ecommerce_url, resources["gelato"].product_url) == (ECOMMERCE_URL, PRODUCT_URL)
    assert int(env["POD_SENSOR_MAX_UPLOADS"]) > 0 and int(env["POD_BATCH_SIZE"]) > 0


def test_dockerfile_copies_what_exists_and_installs_the_deploy_extra():
    text = (DOCKER / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.+)$", text, re.MULTILINE):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), source
    dependencies = text.index("pip install --no-cache-dir -c constraints.txt '.[deploy]'")
    # The dependency layer comes before the code, so a code change does not reinstall them.
    assert dependencies < text.index("COPY pod_pipeline ./pod_pipeline") < text.index("pip install --no-cache-dir --no-deps .")
    assert "deploy" in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "COPY deploy/docker/workspace.yaml ./workspace.yaml" in text and "WORKDIR /opt/pod_pipeline" in text
    home = re.search(r"DAGSTER_HOME=(\S+)", text)[1]
    assert load_yaml(DOCKER / "dagster.yaml")["local_artifact_storage"]["config"]["base_dir"] == f"{home}/storage"


def test_helm_values_use_only_the_charts_keys():
    values = load_yaml(HELM)
    assert helm_chart.unknown_keys(values) == []
    assert {"global", "postgresql", "dagsterWebserver", "dagsterDaemon", "dagster-user-deployments", "runLauncher",
            "concurrency", "retention", "additionalInstanceConfig"} <= values.keys()
    values["runLauncher"]["config"]["k8sRunLauncher"]["envSecret"] = []
    values["dagsterDaemon"]["runMonitoring "] = {}
    assert helm_chart.unknown_keys(values) == ["dagsterDaemon.runMonitoring ", "runLauncher.config.k8sRunLauncher.envSecret"]


def test_helm_values_render_a_valid_instance(monkeypatch):
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "pw")  # the chart's instance reads it from its Secret
    values = load_yaml(HELM)
    sections = validate_instance_config(helm_chart.render_instance(values))
    assert sections["run_launcher"][0] is K8sRunLauncher
    assert values["runLauncher"]["type"] == "K8sRunLauncher" and values["postgresql"]["enabled"] is False
    # Off: Dagster's default coordinator is the queued one, configured by `concurrency`.
    assert values["dagsterDaemon"]["runCoordinator"]["enabled"] is False
    for kind in ("sensor", "schedule"):
        days = values["retention"][kind]["purgeAfterDays"]
        assert isinstance(days, int) or set(days) == helm_chart.TICK_STATUSES
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert importlib.util.find_spec(deployment["codeServerArgs"][deployment["codeServerArgs"].index("-m") + 1])
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert k8s["envSecrets"] == deployment["envSecrets"] and k8s["volumes"] == deployment["volumes"]
    assert k8s["envVars"] == [f"{k}={v}" for k, v in deployment["env"].items()]
    storage = next(m["mountPath"] for m in k8s["volumeMounts"] if m["name"] == "pod-pipeline-storage")
    assert storage == "/opt/dagster/dagster_home/storage"  # the instance's storage folder: shared by runs


@pytest.mark.parametrize("path", sorted((ROOT / "pod_pipeline/settings").glob("*.yaml")), ids=lambda p: p.name)
def test_settings_files_validate(path, tmp_path, capsys):
    assert validate_settings(argparse.Namespace(path=str(path))) == 0  # `pod-pipeline validate-settings`
    broken = load_yaml(path) | {"store_id": None}
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken))
    assert validate_settings(argparse.Namespace(path=str(tmp_path / "broken.yaml"))) == 2
    assert "store_id" in capsys.readouterr().err


@pytest.mark.parametrize("path", sorted((ROOT / "pod_pipeline/tools/sandbox").glob("*.yaml")), ids=lambda p: p.name)
def test_sandbox_catalog_loads(path):
    assert load_catalog(path).templates


@pytest.mark.parametrize("path", [ROOT / "pyproject.toml", *sorted((ROOT / "supabase").glob("*.toml"))],
                         ids=lambda p: p.name)
def test_toml_files_parse(path):
    assert tomllib.loads(path.read_text())


def test_env_example_lists_every_variable_the_code_reads():
    read = set(variables_read_by_code()) | env_references(load_yaml(ROOT / "dagster.yaml"))
    documented = documented_variables()
    missing, stale = sorted(read - documented.keys()), sorted(documented.keys() - read)
    assert not missing, f"read by the code, missing from .env.example (add `NAME=` or `#NAME=default`): {missing}"
    assert not stale, f"in .env.example, read by nothing: {stale}"


def test_dagster_pins_move_together():
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (ROOT / "constraints.txt").read_text(), re.MULTILINE))
    core = pins["dagster"]
    major, minor, patch = core.split(".")
    library = f"0.{int(minor) + 16}.{patch}"  # dagster 1.13.27 ships its libraries as 0.29.27
    dagster_pins = {name: version for name, version in pins.items() if name.startswith("dagster")}
    assert {name: version for name, version in dagster_pins.items() if version not in (core, library)} == {}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [d for deps in project["optional-dependencies"].values() for d in deps]
    for requirement in declared:
        name, _, version = requirement.partition("==")
        if name.startswith("dagster"):
            assert pins[name] == version, requirement
