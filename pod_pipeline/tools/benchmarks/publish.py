"""`pod-pipeline bench publish`: N artworks × the configured templates through the real flow,
against two floors (`floors.py`), measured side by side.

The flow: a bucket server, the webhook receiver (the sandbox delivers to it), a SQLite catalog
and Dagster instance, the upload sensor and the status sensor ticked as the daemon would (once a
second), every requested run executed through Dagster, until every artwork is final. Gelato is
the sandbox in a process of its own, with a set latency on every call and no faults.

The floors: the same Gelato calls straight from the client at the same concurrency, and the same
plus the domain work called directly, each against a fresh sandbox with the same latency and
publish delay. On every side the template and price reads (the Gelato cache, refreshed nightly
in a deployment) happen before the clock starts and are reported apart; the pipeline's run
workers are started before it too.

Artworks are small (1400×2000 px) and the print rules relaxed so every template takes every
artwork; the image work at full size is `bench artwork-step` and `bench print-files`.
Runs are executed by `--workers` long-lived processes side by side (as the daemon launches
them), sharing the concurrency so no more calls are in flight than the floors'.
`--batch-size 1` gives a run per artwork, the design before batches.
"""

from __future__ import annotations

import logging
import os
import resource
import secrets
import tempfile
import time
import warnings
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import yaml

from pod_pipeline.tools.benchmarks.artworks import write_artworks
from pod_pipeline.tools.benchmarks.cpu import CpuMeter
from pod_pipeline.tools.benchmarks.floors import run_domain_floor, run_floor
from pod_pipeline.tools.benchmarks.run_breakdown import run_breakdown
from pod_pipeline.catalog.rows import FINAL_ARTWORK_STATUSES
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.defs.gelato_cache.jobs import REFRESH_GELATO_CACHE
from pod_pipeline.tools.demo import put_into_bucket
from pod_pipeline.tools.instance_config import write_embedded_instance
from pod_pipeline.tools.run_workers import RunWorkers
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.process import SandboxProcess
from pod_pipeline.tools.sensor_driver import SensorDriver
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.settings import DEFAULT_SETTINGS_PATH
from pod_pipeline.storage.base import artwork_id_for
from pod_pipeline.storage.file_server import BUCKET_MOUNT, create_bucket_app
from pod_pipeline.tools.storage_standin.database import temporary_database
from pod_pipeline.webhooks.app import WEBHOOK_PATH, create_webhook_app

PUBLISH_DELAY_SECONDS = 1.0  # Gelato's create → active, in the sandbox (both sides wait it)
# The daemon ticks a sensor at most every `minimum_interval_seconds` (5 s in demo mode, 15 s against
# Gelato); the bench ticks both sensors once a second: sooner than any deployment, without the
# ticks' own CPU (a tick builds the sensor's resources) crowding the runs on a small machine.
TICK_SECONDS = 1.0


def bench_settings(folder: Path, create_concurrency: int, check_concurrency: int) -> Path:
    settings = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    settings["print"] = {**settings.get("print", {}), "min_dpi": 30, "target_dpi": 30}
    # Polling as shipped (first check after 10 s): webhooks do the following, polls are the backstop.
    settings["publishing"] = {**settings["publishing"],
                              "create_concurrency": create_concurrency, "check_concurrency": check_concurrency}
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def worker_peak_rss_mb() -> float:
    """The largest of the run workers (ended child processes report their peak)."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def run_pipeline(home: Path, files: list[Path], latency: float, concurrency: int, batch_size: int, workers: int,
                 timeout_seconds: float, instance_url: str | None = None) -> dict:
    from dagster import DagsterInstance

    from pod_pipeline.definitions import build_definitions

    write_embedded_instance(home / "dagster", instance_url)
    catalog = SqliteCatalog(home / "catalog.db")
    secret = secrets.token_urlsafe(16)
    with BackgroundServer(create_webhook_app(lambda: catalog, secret)) as receiver, \
            SandboxProcess(SandboxConfig(publish_delay_seconds=PUBLISH_DELAY_SECONDS, webhook_secret=secret,
                                        latency_seconds=latency,
                                        webhook_url=receiver.base_url + WEBHOOK_PATH)) as sandbox, \
            BackgroundServer(create_bucket_app(home / "bucket")) as bucket:
        env = {"POD_MODE": "demo", "POD_SANDBOX_URL": sandbox.base_url, "GELATO_API_KEY": "sandbox-key",
               "POD_BUCKET_DIR": str(home / "bucket"), "POD_BUCKET_URL": bucket.base_url + BUCKET_MOUNT,
               "POD_CATALOG_URL": f"sqlite:///{home / 'catalog.db'}",
               # Runs side by side share the concurrency: never more calls in flight than the floor's.
               "POD_SETTINGS": str(bench_settings(home, max(1, concurrency // workers), concurrency)),
               "POD_BATCH_SIZE": str(batch_size),
               "POD_COPY_CACHE_DIR": str(home / "copy-cache"), "DAGSTER_HOME": str(home / "dagster")}
        defs = build_definitions(env)
        with DagsterInstance.from_config(str(home / "dagster")) as instance, \
                RunWorkers(env, str(home / "dagster"), workers) as runners:
            uploads = SensorDriver(defs, instance, "upload_sensor", log_level="CRITICAL", workers=runners)
            statuses = SensorDriver(defs, instance, "product_status_sensor", log_level="CRITICAL", workers=runners)
            # A deployment already runs: workers up, the Gelato cache filled (nightly). Timed apart.
            runners.warm()
            cache_started = time.monotonic()
            runners.submit(REFRESH_GELATO_CACHE, None, {}, uploads.run_config)
            runners.wait()
            cache_seconds = time.monotonic() - cache_started
            started = time.monotonic()
            cpu = CpuMeter({"run workers": runners.pids, "bench process (sensor ticks, webhook receiver, bucket)":
                            [os.getpid()], "Gelato sandbox": [sandbox.pid]}).start()
            ids = [artwork_id_for(path) for path in put_into_bucket(files, home / "bucket")]
            deadline = started + timeout_seconds
            ticking = 0.0  # the sensors' evaluations (the daemon's work), inside the wall time
            while time.monotonic() < deadline:
                tick_started = time.monotonic()
                uploads.tick()
                statuses.tick()
                ticking += time.monotonic() - tick_started
                states = Counter(getattr(catalog.get_artwork(i), "status", "pending") for i in ids)
                if all(status in FINAL_ARTWORK_STATUSES for status in states.elements()):
                    break
                time.sleep(max(0.0, TICK_SECONDS - (time.monotonic() - tick_started)))
            wall, cpu_seconds = time.monotonic() - started, cpu.stop()
            runs = uploads.runs_launched + statuses.runs_launched
            breakdown = {**run_breakdown(instance), "sensor_tick_seconds": round(ticking, 2)}
        calls = sandbox.call_counts()
        products = sum(1 for _ in catalog.products_in_store())
    return {"wall_seconds": round(wall, 2), "cpu_seconds": cpu_seconds, "states": dict(states), "runs": runs, "calls": calls,
            "products": products, "cache_seconds": round(cache_seconds, 2), "breakdown": breakdown}


def per_product(calls: dict[str, int], products: int) -> dict[str, float]:
    return {route: round(n / max(products, 1), 3) for route, n in sorted(calls.items())}


def run_publish_bench(artworks: int = 200, latency: float = 0.1, concurrency: int = 4, batch_size: int = 25,
                      workers: int = 2, instance: str = "sqlite", timeout_seconds: float = 3600.0,
                      home: Path | None = None) -> dict:
    logging.getLogger("dagster").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    home = Path(home or tempfile.mkdtemp(prefix="pod-bench-publish-"))
    files = write_artworks(home / "incoming", artworks, stem="collection", size=(1400, 2000))
    with ExitStack() as stack:
        # Postgres: Dagster's storage on a throw-away database of the local server, as in production.
        url = stack.enter_context(temporary_database(prefix="pod_bench_dagster")) if instance == "postgres" else None
        pipeline = run_pipeline(home, files, latency, concurrency, batch_size, workers, timeout_seconds, url)
    settings = bench_settings(home, concurrency, concurrency)
    floor = run_floor(home, files, latency, concurrency, settings, PUBLISH_DELAY_SECONDS)
    domain = run_domain_floor(home, files, latency, concurrency, settings, PUBLISH_DELAY_SECONDS)
    wall = pipeline["wall_seconds"]
    return {
        "artworks": artworks,
        "published": pipeline["states"].get("published", 0),
        "not_published": {k: v for k, v in pipeline["states"].items() if k != "published"},
        "products": pipeline["products"],
        "wall_seconds": wall,
        "floor_seconds": floor["floor_seconds"],
        "ratio_to_floor": round(wall / max(floor["floor_seconds"], 1e-9), 2),
        # The second floor: the same Gelato calls plus the domain work, called directly.
        "domain_floor_seconds": domain["floor_seconds"],
        "ratio_to_domain_floor": round(wall / max(domain["floor_seconds"], 1e-9), 2),
        "domain_work_thread_seconds": domain["domain_thread_seconds"],
        "domain_floor_print_files": domain["print_files"],
        "domain_floor_price_rows": domain["price_rows"],
        "artworks_per_minute": round(artworks / wall * 60, 1),
        "runs": pipeline["runs"],
        "cache_refresh_seconds": pipeline["cache_seconds"],  # before the clock, in both
        "floor_cache_seconds": floor["cache_seconds"],
        "batch_size": batch_size,
        "run_workers": workers,
        "dagster_instance": instance,
        "latency_seconds": latency,
        "concurrency": concurrency,
        "calls_per_product": per_product(pipeline["calls"], pipeline["products"]),
        "floor_calls_per_product": per_product(floor["calls"], floor["products"]),
        "domain_floor_calls_per_product": per_product(domain["calls"], domain["products"]),
        # CPU while each clock ran, by process: what orchestration itself burns, beside the waiting.
        "cpu_seconds": pipeline["cpu_seconds"],
        "floor_cpu_seconds": floor["cpu_seconds"],
        "domain_floor_cpu_seconds": domain["cpu_seconds"],
        "gelato_calls": pipeline["calls"],
        "peak_rss_mb": peak_rss_mb(),  # this process: sensors, sandbox, servers
        "peak_rss_mb_largest_run_worker": worker_peak_rss_mb(),
        "breakdown": pipeline["breakdown"],
    }
