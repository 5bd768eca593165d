"""What Dagster's Helm chart (dagster/dagster) accepts and how it turns values into dagster.yaml,
for the parts deploy/helm/values.yaml uses. Helm is not installed here, so the test checks the
values' keys against the chart's schema and validates the instance these templates render.

Sources, from dagster-io/dagster: the pydantic models the chart's values.schema.json is generated
from (helm/dagster/schema/schema/charts/…: values.py and subschema/{daemon,run_launcher,
concurrency,postgresql,webserver,global_,retention,compute_log_manager,scheduler}.py,
dagster_user_deployments/subschema/user_deployments.py) and the templates
helm/dagster/templates/configmap-instance.yaml and helpers/instance/_{run-launcher,concurrency,
postgresql,scheduler,compute-log-manager}.tpl."""

from collections.abc import Mapping
from typing import Any

TOP_LEVEL_KEYS = {
    "dagsterWebserver", "dagster-user-deployments", "postgresql", "generatePostgresqlPasswordSecret",
    "generateCeleryConfigSecret", "rabbitmq", "redis", "flower", "ingress", "imagePullSecrets",
    "computeLogManager", "scheduler", "runLauncher", "pythonLogs", "dagsterDaemon", "busybox", "migrate",
    "telemetry", "serviceAccount", "global", "retention", "concurrency", "additionalInstanceConfig",
}
# Chart value -> the keys its model allows (models with extra="forbid" reject anything else).
SECTION_KEYS = {
    ("global",): {"postgresqlSecretName", "dagsterHome", "serviceAccountName", "celeryConfigSecretName"},
    ("postgresql",): {"image", "enabled", "postgresqlHost", "postgresqlUsername", "postgresqlPassword",
                      "postgresqlDatabase", "postgresqlParams", "postgresqlScheme", "service"},
    ("dagsterWebserver",): {
        "replicaCount", "image", "nameOverride", "pathPrefix", "service", "workspace", "env", "envConfigMaps",
        "envSecrets", "deploymentLabels", "labels", "nodeSelector", "affinity", "tolerations",
        "podSecurityContext", "securityContext", "resources", "readinessProbe", "livenessProbe",
        "startupProbe", "annotations", "enableReadOnly", "dbStatementTimeout", "dbPoolRecycle", "logLevel",
        "schedulerName", "volumeMounts", "volumes"},
    ("dagsterDaemon",): {
        "enabled", "image", "runCoordinator", "heartbeatTolerance", "env", "envConfigMaps", "envSecrets",
        "deploymentLabels", "labels", "nodeSelector", "affinity", "tolerations", "podSecurityContext",
        "securityContext", "resources", "checkDbReadyInitContainer", "livenessProbe", "readinessProbe",
        "startupProbe", "annotations", "runMonitoring", "runRetries", "sensors", "schedules", "backfills",
        "schedulerName", "logFormat", "volumeMounts", "volumes", "initContainerResources", "extraContainers",
        "extraPrependedInitContainers"},
    ("dagsterDaemon", "runCoordinator"): {"enabled", "type", "config"},
    ("dagsterDaemon", "runRetries"): {"enabled", "maxRetries", "retryOnAssetOrOpFailure"},
    ("dagster-user-deployments",): {"enabled", "enableSubchart", "imagePullSecrets", "deployments"},
    ("runLauncher",): {"type", "config"},
    ("runLauncher", "config", "k8sRunLauncher"): {
        "image", "imagePullPolicy", "jobNamespace", "loadInclusterConfig", "kubeconfigFile", "envConfigMaps",
        "envSecrets", "envVars", "volumeMounts", "volumes", "labels", "failPodOnRunFailure", "resources",
        "schedulerName", "securityContext", "runK8sConfig"},
    ("computeLogManager",): {"type", "config"},
    ("computeLogManager", "config", "customComputeLogManager"): {"module", "class", "config"},
    ("concurrency",): {"enabled", "pools", "runs"},
    ("concurrency", "pools"): {"defaultLimit", "granularity", "opGranularityRunBuffer"},
    ("concurrency", "runs"): {"maxConcurrentRuns", "tagConcurrencyLimits"},
    ("retention",): {"enabled", "sensor", "schedule", "autoMaterialize"},
    ("telemetry",): {"enabled"},
}
USER_DEPLOYMENT_KEYS = {
    "name", "image", "dagsterApiGrpcArgs", "codeServerArgs", "includeConfigInLaunchedRuns", "port", "env",
    "envConfigMaps", "envSecrets", "annotations", "nodeSelector", "affinity", "tolerations", "podSecurityContext",
    "securityContext", "resources", "livenessProbe", "readinessProbe", "startupProbe", "labels", "volumeMounts",
    "volumes", "schedulerName"}
IMAGE_KEYS = {"repository", "tag", "pullPolicy"}
# retention.*.purgeAfterDays as a mapping (TickRetentionByType) needs all four statuses.
TICK_STATUSES = {"skipped", "success", "failure", "started"}


def dig(values: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        values = (values or {}).get(key)
    return values


def unknown_keys(values: Mapping[str, Any]) -> list[str]:
    """Dotted paths of every key the chart's schema does not have."""
    wrong = [key for key in values if key not in TOP_LEVEL_KEYS]
    for path, allowed in SECTION_KEYS.items():
        section = dig(values, path)
        if isinstance(section, Mapping):
            wrong += [".".join((*path, key)) for key in section if key not in allowed]
    for index, deployment in enumerate(dig(values, ("dagster-user-deployments", "deployments")) or []):
        wrong += [f"dagster-user-deployments.deployments[{index}].{key}" for key in deployment
                  if key not in USER_DEPLOYMENT_KEYS]
        wrong += [f"…deployments[{index}].image.{key}" for key in deployment.get("image", {}) if key not in IMAGE_KEYS]
    for path in (("dagsterWebserver", "image"), ("dagsterDaemon", "image")):
        wrong += [".".join((*path, key)) for key in dig(values, path) or {} if key not in IMAGE_KEYS]
    return wrong


def _names(entries: list[Mapping[str, str]] | None) -> list[str]:
    return [entry["name"] for entry in entries or [] if "name" in entry]


def render_k8s_run_launcher(values: Mapping[str, Any], namespace: str, fullname: str) -> dict[str, Any]:
    """`dagsterYaml.runLauncher.k8s`: camelCase values to K8sRunLauncher's snake_case config."""
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    config: dict[str, Any] = {
        "load_incluster_config": k8s["loadInclusterConfig"],
        "job_namespace": k8s.get("jobNamespace") or namespace,
        "image_pull_policy": k8s["imagePullPolicy"],
        "service_account_name": fullname,
        "dagster_home": dig(values, ("global", "dagsterHome")) or "/opt/dagster/dagster_home",
        "instance_config_map": f"{fullname}-instance",
        "postgres_password_secret": dig(values, ("global", "postgresqlSecretName")) or f"{fullname}-postgresql-secret",
    }
    optional = {"kubeconfigFile": "kubeconfig_file", "envVars": "env_vars", "volumeMounts": "volume_mounts",
                "volumes": "volumes", "labels": "labels", "resources": "resources", "schedulerName": "scheduler_name",
                "securityContext": "security_context"}
    config.update({snake: k8s[camel] for camel, snake in optional.items() if k8s.get(camel)})
    if "image" in k8s:
        config["job_image"] = f"{k8s['image']['repository']}:{k8s['image']['tag']}"
    if k8s.get("envConfigMaps"):
        config["env_config_maps"] = _names(k8s["envConfigMaps"])
    if k8s.get("envSecrets"):
        config["env_secrets"] = _names(k8s["envSecrets"])
    if k8s.get("failPodOnRunFailure"):
        config["fail_pod_on_run_failure"] = True
    raw = {"containerConfig": "container_config", "podSpecConfig": "pod_spec_config",
           "podTemplateSpecMetadata": "pod_template_spec_metadata", "jobSpecConfig": "job_spec_config",
           "jobMetadata": "job_metadata"}
    if k8s.get("runK8sConfig"):
        config["run_k8s_config"] = {snake: k8s["runK8sConfig"][camel] for camel, snake in raw.items()
                                    if k8s["runK8sConfig"].get(camel)}
    return {"module": "dagster_k8s", "class": "K8sRunLauncher", "config": config}


def _render_concurrency(concurrency: Mapping[str, Any]) -> dict[str, Any]:
    pools, runs = concurrency.get("pools") or {}, concurrency.get("runs") or {}
    rendered: dict[str, Any] = {}
    pool_keys = {"defaultLimit": "default_limit", "granularity": "granularity",
                 "opGranularityRunBuffer": "op_granularity_run_buffer"}
    if rendered_pools := {snake: pools[camel] for camel, snake in pool_keys.items() if pools.get(camel) is not None}:
        rendered["pools"] = rendered_pools
    rendered_runs: dict[str, Any] = {}
    if runs.get("maxConcurrentRuns") is not None:
        rendered_runs["max_concurrent_runs"] = runs["maxConcurrentRuns"]
    if runs.get("tagConcurrencyLimits"):
        rendered_runs["tag_concurrency_limits"] = [dict(limit) for limit in runs["tagConcurrencyLimits"]]
    if rendered_runs:
        rendered["runs"] = rendered_runs
    return rendered


def render_instance(values: Mapping[str, Any], namespace: str = "pod-pipeline", release: str = "dagster") -> dict:
    """The dagster.yaml the chart's instance ConfigMap holds for `values` (the parts used here)."""
    fullname = release  # the release name contains the chart name ("dagster")
    postgresql = values["postgresql"]
    storage_config = {"postgres_db": {
        "username": postgresql["postgresqlUsername"], "password": {"env": "DAGSTER_PG_PASSWORD"},
        "hostname": postgresql["postgresqlHost"], "db_name": postgresql["postgresqlDatabase"],
        "port": postgresql["service"]["port"], "params": postgresql.get("postgresqlParams") or {}}}
    instance: dict[str, Any] = {
        "scheduler": {"module": "dagster._core.scheduler", "class": "DagsterDaemonScheduler"},
        "run_launcher": render_k8s_run_launcher(values, namespace, fullname),
        **{name: {"module": f"dagster_postgres.{module}", "class": cls, "config": storage_config}
           for name, module, cls in (("schedule_storage", "schedule_storage", "PostgresScheduleStorage"),
                                     ("run_storage", "run_storage", "PostgresRunStorage"),
                                     ("event_log_storage", "event_log", "PostgresEventLogStorage"))},
        "telemetry": {"enabled": dig(values, ("telemetry", "enabled"))},
    }
    custom_logs = dig(values, ("computeLogManager", "config", "customComputeLogManager"))
    if dig(values, ("computeLogManager", "type")) == "CustomComputeLogManager":
        instance["compute_logs"] = dict(custom_logs)
    if dig(values, ("concurrency", "enabled")):
        instance["concurrency"] = _render_concurrency(values["concurrency"])
    if dig(values, ("retention", "enabled")):
        instance["retention"] = {
            kind: {"purge_after_days": values["retention"][kind]["purgeAfterDays"]}
            for kind in ("sensor", "schedule") if values["retention"].get(kind)}
    daemon = values.get("dagsterDaemon") or {}
    monitoring, retries = daemon.get("runMonitoring") or {}, daemon.get("runRetries") or {}
    if daemon.get("enabled", True) and monitoring.get("enabled"):
        keys = {"enabled": "enabled", "startTimeoutSeconds": "start_timeout_seconds",
                "cancelTimeoutSeconds": "cancel_timeout_seconds", "maxResumeRunAttempts": "max_resume_run_attempts",
                "pollIntervalSeconds": "poll_interval_seconds",
                "freeSlotsAfterRunEndSeconds": "free_slots_after_run_end_seconds"}
        instance["run_monitoring"] = {snake: monitoring[camel] for camel, snake in keys.items() if camel in monitoring}
    if daemon.get("enabled", True) and retries.get("enabled"):
        instance["run_retries"] = {"enabled": True, **({"max_retries": retries["maxRetries"]}
                                                       if retries.get("maxRetries") else {})}
    additional = values.get("additionalInstanceConfig") or {}
    clash = set(additional) & set(instance)
    if clash:
        raise ValueError(f"additionalInstanceConfig repeats keys the chart renders: {sorted(clash)}")
    return {**instance, **additional}
