"""`pod-pipeline bench celery`: publishing on the deployment's Celery option, for real, with
run workers killed mid-run.

Every Dagster part is the one an operator deploys (`deploy/celery/`): the shipped `dagster.yaml`
(Postgres storage, the Celery run launcher, the run queue and its limits, run monitoring, run
retries) with only its paths, its queue name and its watch cadence made the soak's; RabbitMQ as
the broker; Celery's result backend in the Dagster database; `dagster-celery worker start`
processes with the shipped `worker.yaml`; the real `dagster-daemon`, which ticks the sensors,
queues and launches the runs, watches them and retries the crashed ones. Around it, as in the
demo: the Gelato sandbox (with latency, so creates take time), a bucket server and the webhook
receiver.

The kills: SIGKILL to the process executing a publishing run (a Celery pool process, as the
kernel's OOM killer would) at a random point of its `published_products` step, i.e. among the
creates. Celery reports the task FAILED, run monitoring fails the run, the daemon retries it
from the failure; the exactly-once ledger must leave 0 duplicates and 0 drift.

    run_celery_soak(artworks=12, workers=2, kills=2)  # → {"duplicates": 0, "drift": 0, ...}
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
import time
import warnings
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

import yaml

from pod_pipeline.catalog.rows import FINAL_ARTWORK_STATUSES
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.tools.benchmarks.celery_faults import RETRY_NUMBER_TAG, Killer, Reupload
from pod_pipeline.tools.benchmarks.soak import soak_settings, write_soak_artworks
from pod_pipeline.tools.dagster_services import REPO_ROOT, active_runs, celery_worker, daemon, dev_child_environment

CELERY_DEPLOY = REPO_ROOT / "deploy" / "celery"
DEFAULT_BROKER = "pyamqp://guest:guest@127.0.0.1:5672//"
WATCH_SECONDS = 2  # run monitoring's poll (production: Dagster's default, 120 s)


def celery_instance_yaml(home: Path, queue: str, max_concurrent_runs: int) -> Path:
    """The shipped Celery dagster.yaml; only what must differ on one machine under test differs."""
    raw = yaml.safe_load((CELERY_DEPLOY / "dagster.yaml").read_text(encoding="utf-8"))
    raw["local_artifact_storage"]["config"]["base_dir"] = str(home / "storage")
    raw["compute_logs"]["config"]["base_dir"] = str(home / "storage" / "logs")
    raw["run_launcher"]["config"]["default_queue"] = queue  # a soak's tasks never reach another's workers
    raw["run_monitoring"]["poll_interval_seconds"] = WATCH_SECONDS
    raw["concurrency"]["runs"]["max_concurrent_runs"] = max_concurrent_runs
    raw["run_coordinator"] = {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator",
                              "config": {"dequeue_interval_seconds": 1}}
    path = home / "dagster.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def celery_worker_yaml(home: Path, processes: int) -> Path:
    raw = yaml.safe_load((CELERY_DEPLOY / "worker.yaml").read_text(encoding="utf-8"))
    raw["execution"]["config"]["config_source"]["worker_concurrency"] = processes
    path = home / "worker.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def max_overlap(records) -> int:
    """Most runs executing at once, from their start and end times."""
    edges = sorted([(r.start_time, 1) for r in records if r.start_time]
                   + [(r.end_time, -1) for r in records if r.start_time and r.end_time])
    most = current = 0
    for _, step in edges:
        current += step
        most = max(most, current)
    return most


def run_celery_soak(artworks: int = 12, workers: int = 2, processes: int = 2, kills: int = 2,
                    max_concurrent_runs: int = 3, batch_size: int = 3, timeout_seconds: float = 600.0,
                    home: Path | None = None, admin_url: str | None = None, broker: str = DEFAULT_BROKER,
                    seed: int = 5) -> dict:
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    from pod_pipeline.gelato.client import GelatoClient
    from pod_pipeline.publishing.reconcile import find_drift
    from pod_pipeline.settings import load_settings
    from pod_pipeline.storage.base import artwork_id_for
    from pod_pipeline.storage.file_server import BUCKET_MOUNT, create_bucket_app
    from pod_pipeline.tools.demo import put_into_bucket
    from pod_pipeline.tools.sandbox.config import SandboxConfig
    from pod_pipeline.tools.sandbox.server import SandboxServer
    from pod_pipeline.tools.serving import BackgroundServer
    from pod_pipeline.tools.storage_standin.database import DEFAULT_ADMIN_URL, temporary_database
    from pod_pipeline.webhooks.app import WEBHOOK_PATH, create_webhook_app

    logging.getLogger("dagster").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    home = Path(home or tempfile.mkdtemp(prefix="pod-celery-soak-")).resolve()
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    queue = f"pod-soak-{secrets.token_hex(4)}"
    celery_instance_yaml(dagster_home, queue, max_concurrent_runs)
    worker_yaml = celery_worker_yaml(home, processes)
    settings = soak_settings(home)
    settings.write_text(settings.read_text().replace("create_lease_seconds: 120", "create_lease_seconds: 3"))
    catalog = SqliteCatalog(home / "catalog.db")
    secret = secrets.token_urlsafe(16)
    files = write_soak_artworks(home / "incoming", artworks, bad_every=1000)
    reupload = Reupload()
    killer = Killer(kills, seed, catalog, spare=reupload)
    started = time.monotonic()
    with temporary_database(admin_url or DEFAULT_ADMIN_URL, prefix="pod_celery") as pg_url, \
            BackgroundServer(create_webhook_app(lambda: catalog, secret)) as receiver, \
            SandboxServer(SandboxConfig(publish_delay_seconds=0.5, latency_seconds=0.3, webhook_secret=secret,
                                        webhook_url=receiver.base_url + WEBHOOK_PATH)) as sandbox, \
            BackgroundServer(create_bucket_app(home / "bucket")) as bucket:
        reupload.sandbox = sandbox  # slows Gelato while the re-upload waits to be seen
        env = dev_child_environment(os.environ, {
            "DAGSTER_HOME": str(dagster_home), "DAGSTER_PG_URL": pg_url, "DAGSTER_CELERY_BROKER_URL": broker,
            "DAGSTER_CELERY_BACKEND_URL": f"db+{pg_url}",
            "POD_MODE": "demo", "POD_SANDBOX_URL": sandbox.base_url, "GELATO_API_KEY": "sandbox-key",
            "POD_BUCKET_DIR": str(home / "bucket"), "POD_BUCKET_URL": bucket.base_url + BUCKET_MOUNT,
            "POD_CATALOG_URL": f"sqlite:///{home / 'catalog.db'}", "POD_SETTINGS": str(settings),
            "POD_COPY_CACHE_DIR": str(home / "copy-cache"), "POD_BATCH_SIZE": str(batch_size)})
        saved = {key: os.environ.get(key) for key in ("DAGSTER_PG_URL", "DAGSTER_HOME")}
        os.environ.update(DAGSTER_PG_URL=pg_url, DAGSTER_HOME=str(dagster_home))  # this process's instance
        try:
            # The schema first, by one process: made by several at once, the migrations race.
            with DagsterInstance.get() as instance:
                pass
            with DagsterInstance.get() as instance, _workers(env, worker_yaml, queue, workers, home), \
                    daemon(env, home / "daemon.log") as process:
                paths = put_into_bucket(files, home / "bucket")
                ids = [artwork_id_for(path) for path in paths]
                deadline = time.monotonic() + timeout_seconds
                while time.monotonic() < deadline:
                    if process.poll() is not None:
                        raise RuntimeError(f"dagster-daemon exited:\n{_tail(home / 'daemon.log')}")
                    reupload.tick(instance, home / "bucket")
                    killer.tick(instance)
                    if _settled(catalog, ids, instance, killer) and reupload.done(instance):
                        break
                    time.sleep(0.2)
                wall = time.monotonic() - started
                runs = instance.get_run_records(RunsFilter(job_name="publish_artwork"))
                replaced = reupload.report(instance)
                failures = {r.dagster_run.run_id: _failure_message(instance, r.dagster_run.run_id)
                            for r in runs if r.dagster_run.status == DagsterRunStatus.FAILURE}
            store_id = load_settings(settings).all_stores()[0].gelato_store_id
            with GelatoClient("sandbox-key", ecommerce_url=sandbox.ecommerce_url,
                              product_url=sandbox.product_url) as client:
                drift, _ = find_drift(catalog, client, store_id)
        finally:
            _restore(saved)
            _delete_queue(broker, queue)
    rows = [catalog.get_artwork(i) for i in ids]
    retries = [r.dagster_run for r in runs if RETRY_NUMBER_TAG in r.dagster_run.tags]
    return {
        "artworks": len(ids), "workers": workers, "processes_per_worker": processes,
        "max_concurrent_runs": max_concurrent_runs, "most_runs_at_once": max_overlap(runs),
        "published": sum(1 for r in rows if r and r.status == "published"),
        "not_final": [i for i, r in zip(ids, rows) if not r or r.status not in FINAL_ARTWORK_STATUSES],
        "failed": [{"artwork": r.id, "reason": r.reason} for r in rows if r and r.status == "failed"],
        "kills": len(killer.killed),
        "killed_runs_failed_by_monitoring": sum(1 for run_id in killer.killed if run_id in failures),
        "killed_runs_retried": sum(1 for run_id in killer.killed
                                   if any(r.tags.get("dagster/parent_run_id") == run_id for r in retries)),
        "retries_succeeded": sum(1 for r in retries if r.status == DagsterRunStatus.SUCCESS),
        "failure_messages": sorted(set(failures.values())),
        "publishing_runs": len(runs), "retry_runs": len(retries),
        "products_in_store": drift.store_products, "products_in_catalog": len(catalog.products_in_store()),
        "duplicates": drift.counts()["duplicate"], "drift": sum(drift.counts().values()),
        "reupload": replaced,
        "seconds": round(wall, 1), "home": str(home),
    }


def soak_passed(result: dict) -> bool:
    """Every artwork final, every kill caught by run monitoring and retried by the daemon, the
    queue's limit kept, and the store exactly the catalog."""
    kills = result["kills"]
    return (not result["not_final"] and result["killed_runs_failed_by_monitoring"] == kills
            and result["killed_runs_retried"] == kills and result["most_runs_at_once"] <= result["max_concurrent_runs"]
            and not result["duplicates"] and not result["drift"]
            and result["products_in_store"] == result["products_in_catalog"]
            and result["reupload"].get("started_after_the_batch_ended", True))


def _settled(catalog, ids, instance, killer: Killer) -> bool:
    from dagster import RunsFilter

    final = all((row.status if (row := catalog.get_artwork(i)) else "pending") in FINAL_ARTWORK_STATUSES for i in ids)
    if not final or active_runs(instance):
        return False
    # Every killed run was followed by its retry (the daemon's), which has ended.
    return all(instance.get_runs_count(RunsFilter(tags={"dagster/parent_run_id": run_id})) for run_id in killer.killed)


def _failure_message(instance, run_id: str) -> str:
    from dagster import DagsterEventType

    events = instance.all_logs(run_id, of_type=DagsterEventType.RUN_FAILURE)
    return (events[-1].dagster_event.message or "") if events else ""


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@contextmanager
def _workers(env, worker_yaml: Path, queue: str, count: int, home: Path) -> Iterator[None]:
    """`count` Celery workers on `queue`, stopped (with their pool processes) on exit."""
    with ExitStack() as stack:
        for n in range(count):
            stack.enter_context(celery_worker(env, worker_yaml, queue, f"soak{n}", home / f"worker-{n}.log"))
        yield


def _restore(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _delete_queue(broker: str, queue: str) -> None:
    """The soak's queue, gone from the broker (RabbitMQ keeps durable queues otherwise)."""
    from kombu import Connection

    try:
        with Connection(broker, connect_timeout=5) as connection:
            connection.default_channel.queue_delete(queue)
    except Exception:  # noqa: BLE001 — cleanup only: a broker gone already has no queue to keep
        pass
