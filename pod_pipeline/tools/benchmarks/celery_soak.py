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
import random
import secrets
import signal
import tempfile
import time
import warnings
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

import yaml

from pod_pipeline.catalog.rows import FINAL_ARTWORK_STATUSES
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.tools.benchmarks.soak import soak_settings, write_soak_artworks
from pod_pipeline.tools.dagster_services import REPO_ROOT, active_runs, celery_worker, daemon, dev_child_environment

CELERY_DEPLOY = REPO_ROOT / "deploy" / "celery"
DEFAULT_BROKER = "pyamqp://guest:guest@127.0.0.1:5672//"
PUBLISHING_STEP = "published_products"
RETRY_NUMBER_TAG = "dagster/retry_number"
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


def run_pid(instance, run_id: str, step_key: str) -> int | None:
    """The pid of the process executing `step_key` of the run, once the step has started."""
    from dagster import DagsterEventType

    for entry in instance.all_logs(run_id, of_type=DagsterEventType.STEP_START):
        if entry.dagster_event.step_key == step_key:
            return entry.dagster_event.pid
    return None


def step_done(instance, run_id: str, step_key: str) -> bool:
    from dagster import DagsterEventType

    return any(entry.dagster_event.step_key == step_key
               for entry in instance.all_logs(run_id, of_type=DagsterEventType.STEP_SUCCESS))


def is_celery_process(pid: int) -> bool:
    try:
        return b"celery" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def run_artworks(run) -> list[str]:
    """The artworks a publishing run works on: its partition, or its batch's (in the run config)."""
    if "dagster/partition" in run.tags:
        return [run.tags["dagster/partition"]]
    return list(run.run_config.get("ops", {}).get("artworks", {}).get("config", {}).get("paths", {}))


class Reupload:
    """Once the first batch has read its files, its first artwork is uploaded again with new pixels
    (the artist replaced it): the new version's run must wait in the queue until the batch has ended."""

    def __init__(self):
        self.artwork_id = self.batch_run = self.path = None

    def tick(self, instance, bucket: Path) -> None:
        from dagster import DagsterRunStatus, RunsFilter
        from PIL import Image, ImageOps

        from pod_pipeline.defs.runs import ARTWORK_LOCK_TAG

        if self.batch_run:
            return
        for run in instance.get_runs(RunsFilter(job_name="publish_artwork", statuses=[DagsterRunStatus.STARTED])):
            # After the batch has read the file (before, it would simply publish the new bytes).
            if ARTWORK_LOCK_TAG in run.tags and RETRY_NUMBER_TAG not in run.tags \
                    and step_done(instance, run.run_id, "artworks"):
                self.artwork_id, self.path = next(iter(run.run_config["ops"]["artworks"]["config"]["paths"].items()))
                self.batch_run = run.run_id
                target = bucket / self.path
                with Image.open(target) as image:
                    redrawn = ImageOps.mirror(image.convert("RGB"))
                aside = target.with_name(f".{target.name}.uploading")
                redrawn.save(aside, format=image.format or "PNG")
                aside.replace(target)
                return

    def done(self, instance) -> bool:
        """No re-upload yet, or its own run has ended."""
        from dagster import DagsterRunStatus, RunsFilter

        if not self.artwork_id:
            return True
        ended = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]
        return bool(instance.get_runs_count(RunsFilter(tags={"dagster/partition": self.artwork_id}, statuses=ended)))

    def report(self, instance) -> dict:
        from dagster import RunsFilter

        from pod_pipeline.defs.runs import ARTWORK_LOCK_TAG

        if not self.batch_run:
            return {"artwork": None}
        batch = instance.get_run_record_by_id(self.batch_run)
        own = instance.get_run_records(RunsFilter(tags={"dagster/partition": self.artwork_id}), ascending=True)
        first = own[0] if own else None
        return {
            "artwork": self.artwork_id, "batch_run": self.batch_run,
            "reupload_run": first.dagster_run.run_id if first else None,
            "shared_the_batch_lock": bool(first) and first.dagster_run.tags.get(ARTWORK_LOCK_TAG)
            == batch.dagster_run.tags[ARTWORK_LOCK_TAG],
            "started_after_the_batch_ended": bool(first and first.start_time and batch.end_time
                                                  and first.start_time >= batch.end_time),
            "reupload_run_status": first.dagster_run.status.value if first else None,
        }


class Killer:
    """SIGKILLs the process of up to `kills` first-attempt publishing runs, each at a random
    point of a create: after the claim is recorded, before or after the POST, before the
    product's id is stored."""

    def __init__(self, kills: int, seed: int, catalog, spare: Reupload):
        self.left, self.rng, self.catalog, self.spare = kills, random.Random(seed), catalog, spare
        self.killed: list[str] = []

    def tick(self, instance) -> None:
        from dagster import DagsterRunStatus, RunsFilter

        if self.left <= 0:
            return
        for run in instance.get_runs(RunsFilter(job_name="publish_artwork", statuses=[DagsterRunStatus.STARTED])):
            if run.run_id in self.killed or RETRY_NUMBER_TAG in run.tags or run.run_id == self.spare.batch_run:
                continue  # one kill per run lineage (max_retries bounds how often one may crash); the
                # re-uploaded artwork's batch is spared, so its end is the moment the re-upload waits for
            pid = run_pid(instance, run.run_id, PUBLISHING_STEP)
            if pid is None or not is_celery_process(pid) or not self._creating(run):
                continue
            time.sleep(self.rng.uniform(0.0, 0.3))  # claim → POST (latency) → id recorded
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue  # the run ended first
            self.killed.append(run.run_id)
            self.left -= 1
            return

    def _creating(self, run) -> bool:
        return any(p.status == "creating" for artwork in run_artworks(run)
                   for p in self.catalog.products_for(artwork))


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
            SandboxServer(SandboxConfig(publish_delay_seconds=0.5, latency_seconds=0.2, webhook_secret=secret,
                                        webhook_url=receiver.base_url + WEBHOOK_PATH)) as sandbox, \
            BackgroundServer(create_bucket_app(home / "bucket")) as bucket:
        env = dev_child_environment(os.environ, {
            "DAGSTER_HOME": str(dagster_home), "DAGSTER_PG_URL": pg_url, "DAGSTER_CELERY_BROKER_URL": broker,
            "DAGSTER_CELERY_BACKEND_URL": f"db+{pg_url}",
            "POD_MODE": "demo", "POD_SANDBOX_URL": sandbox.base_url, "GELATO_API_KEY": "sandbox-key",
            "POD_BUCKET_DIR": str(home / "bucket"), "POD_BUCKET_URL": bucket.base_url + BUCKET_MOUNT,
            "POD_CATALOG_URL": f"sqlite:///{home / 'catalog.db'}", "POD_SETTINGS": str(settings),
            "POD_COPY_CACHE_DIR": str(home / "copy-cache"), "POD_BATCH_SIZE": str(batch_size)})
        saved = {key: os.environ.get(key) for key in ("DAGSTER_PG_URL", "DAGSTER_HOME")}
        os.environ.update(DAGSTER_PG_URL=pg_url, DAGSTER_HOME=str(dagster_home))
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
            for key, value in saved.items():
                os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
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


def _delete_queue(broker: str, queue: str) -> None:
    """The soak's queue, gone from the broker (RabbitMQ keeps durable queues otherwise)."""
    from kombu import Connection

    try:
        with Connection(broker, connect_timeout=5) as connection:
            connection.default_channel.queue_delete(queue)
    except Exception:  # noqa: BLE001 — cleanup only: a broker gone already has no queue to keep
        pass
