"""`pod-pipeline bench scale`: what N artwork partitions (100,000 by default, Dagster's advised
ceiling per asset) cost the parts that grow with them, on a Dagster instance in Postgres as in
production (a throw-away database on the local server).

Measured, in order:
- adding the N partitions, in the upload sensor's requests of `uploads_per_tick` (50) keys;
- a materialization of `artworks` for every partition (written in batches of 1,000: the set-up
  for what follows, timed too);
- the upload sensor's tick that finds 50 new uploads among them (partition lookups, catalog
  reads, the batch planned), and an idle tick;
- the asset page of `artworks` as the UI loads it: its GraphQL query for the partition keys, the
  partition counts and the materialized/failed ranges, through a real code server (the workspace
  the webserver would load);
- the partition retirement sensor's tick with 500 retirable artworks among them;
- what the daemon then does with a tick's request, key by key as dagster-daemon applies it.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

from pod_pipeline.tools.storage_standin.database import temporary_database

ASSET_PAGE_QUERY = """
query AssetPage($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    ... on AssetNode {
      partitionKeysByDimension { name partitionKeys }
      partitionStats { numMaterialized numMaterializing numFailed numPartitions }
      assetPartitionStatuses {
        ... on DefaultPartitionStatuses { materializedPartitions failedPartitions materializingPartitions }
      }
    }
  }
}
"""
BATCH = 1000


def _materialize_all(instance, keys: list[str]) -> None:
    """A materialization per partition, stored 1,000 to an insert (Postgres' batch write): the
    set-up for the asset page, as a long-running shop's history would leave it."""
    from dagster import AssetMaterialization
    from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
    from dagster._core.events.log import EventLogEntry

    for start in range(0, len(keys), BATCH):
        instance.event_log_storage.store_event_batch([EventLogEntry(
            error_info=None, level=logging.INFO, user_message="", run_id="", timestamp=time.time(),
            dagster_event=DagsterEvent(event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value, job_name="",
                                       event_specific_data=StepMaterializationData(
                                           AssetMaterialization("artworks", partition=key))))
            for key in keys[start:start + BATCH]])


def apply_as_the_daemon(instance, request) -> None:
    """As dagster-daemon 1.13 applies a sensor's partition request (`_daemon/sensor.py`): a lookup
    per key, then one add of the new ones, or a delete per existing key."""
    from dagster import AddDynamicPartitionsRequest

    existing = [k for k in request.partition_keys if instance.has_dynamic_partition(request.partitions_def_name, k)]
    if isinstance(request, AddDynamicPartitionsRequest):
        new = [k for k in request.partition_keys if k not in set(existing)]
        if new:
            instance.add_dynamic_partitions(request.partitions_def_name, new)
        return
    for key in existing:
        instance.delete_dynamic_partition(request.partitions_def_name, key)


def _asset_page_seconds(instance, env: dict[str, str]) -> tuple[float, dict]:
    from dagster_graphql.test.utils import define_out_of_process_context, execute_dagster_graphql

    definitions = str(Path(__file__).resolve().parents[2] / "definitions.py")
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        with define_out_of_process_context(definitions, "defs", instance) as context:
            execute_dagster_graphql(context, ASSET_PAGE_QUERY, {"key": {"path": ["templates"]}})  # warm the location
            started = time.perf_counter()
            result = execute_dagster_graphql(context, ASSET_PAGE_QUERY, {"key": {"path": ["artworks"]}})
            seconds = time.perf_counter() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if result.errors:
        raise RuntimeError(f"the asset page query failed: {result.errors}")
    node = result.data["assetNodeOrError"]
    return seconds, {"partitions": len(node["partitionKeysByDimension"][0]["partitionKeys"]),
                     "materialized": node["partitionStats"]["numMaterialized"]}


def measure_scale(artworks: int = 100_000, database_url: str | None = None) -> dict:
    from dagster import AssetMaterialization, DagsterInstance, build_sensor_context

    from pod_pipeline.catalog.rows import ArtworkRow, now
    from pod_pipeline.catalog.sqlite import SqliteCatalog
    from pod_pipeline.defs.operations.retirement import PER_TICK, partition_retirement_sensor
    from pod_pipeline.defs.publishing.upload_sensor import upload_sensor
    from pod_pipeline.defs.runs import RunMode, artworks_partitions
    from pod_pipeline.defs.resources import (CatalogResource, LocalStorageResource, PartitionRetirementResource,
                                             UploadBatchingResource)
    from pod_pipeline.tools.benchmarks.artworks import write_artworks
    from pod_pipeline.tools.instance_config import write_embedded_instance

    logging.getLogger("dagster").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    home = Path(tempfile.mkdtemp(prefix="pod-bench-scale-"))
    keys = [f"artwork-{index:06}" for index in range(artworks)]
    report: dict = {"artworks": artworks}
    admin = {"admin_url": database_url} if database_url else {}
    with temporary_database(prefix="pod_bench_scale", **admin) as url:
        write_embedded_instance(home / "dagster", url)
        with DagsterInstance.from_config(str(home / "dagster")) as instance:
            per_tick = UploadBatchingResource().uploads_per_tick
            started = time.perf_counter()
            for start in range(0, artworks, per_tick):
                instance.add_dynamic_partitions("artworks", keys[start:start + per_tick])
            report["add_partitions_seconds"] = round(time.perf_counter() - started, 1)
            # The daemon applies a tick's request key by key (a lookup each, then one add): timed
            # on 20 more ticks of 50 new keys once the N exist.
            extra = [f"extra-{index:05}" for index in range(20 * per_tick)]
            started = time.perf_counter()
            for start in range(0, len(extra), per_tick):
                apply_as_the_daemon(instance, artworks_partitions.build_add_request(extra[start:start + per_tick]))
            report["daemon_add_ms_per_tick_of_50"] = round(1000 * (time.perf_counter() - started) / 20, 1)
            for key in extra:  # back to N
                instance.delete_dynamic_partition("artworks", key)

            started = time.perf_counter()
            _materialize_all(instance, keys)
            report["materialize_events_seconds"] = round(time.perf_counter() - started, 1)
            for key in ("templates", "base_costs"):
                instance.report_runless_asset_event(AssetMaterialization(key))

            catalog = CatalogResource(url=f"sqlite:///{home / 'catalog.db'}")
            db = SqliteCatalog(home / "catalog.db")
            write_artworks(home / "bucket" / "user-1", 50, stem="new", size=(64, 64))
            context = build_sensor_context(instance=instance, resources={
                "storage": LocalStorageResource(local_root=str(home / "bucket")), "catalog": catalog,
                "batching": UploadBatchingResource()})
            started = time.perf_counter()
            result = upload_sensor(RunMode("demo"))(context)
            report["upload_tick_50_new_seconds"] = round(time.perf_counter() - started, 3)
            report["upload_tick_runs"] = len(result.run_requests)
            idle = build_sensor_context(instance=instance, cursor=result.cursor, resources={
                "storage": LocalStorageResource(local_root=str(home / "bucket")), "catalog": catalog,
                "batching": UploadBatchingResource()})
            started = time.perf_counter()
            upload_sensor(RunMode("demo"))(idle)
            report["upload_tick_idle_seconds"] = round(time.perf_counter() - started, 3)

            env = {"POD_MODE": "demo", "DAGSTER_HOME": str(home / "dagster"),
                   "POD_CATALOG_URL": f"sqlite:///{home / 'catalog.db'}", "POD_BUCKET_DIR": str(home / "bucket")}
            seconds, page = _asset_page_seconds(instance, env)
            report["asset_page_graphql_seconds"] = round(seconds, 2)
            report["asset_page_partitions"] = page["partitions"]
            report["asset_page_materialized"] = page["materialized"]

            long_ago = (now() - timedelta(days=60)).isoformat()
            for key in keys[:PER_TICK]:
                db.upsert_artwork(ArtworkRow(id=key, user_id="user-1", path=f"user-1/{key}.png", version="v1",
                                             status="rejected"))
            with sqlite3.connect(home / "catalog.db") as aged:  # untouched for 60 days
                aged.execute("update artwork set updated_at=?", (long_ago,))
            retire = build_sensor_context(instance=instance, resources={
                "catalog": catalog, "retirement": PartitionRetirementResource()})
            started = time.perf_counter()
            retired = partition_retirement_sensor(RunMode("demo"))(retire)
            report["retirement_tick_seconds"] = round(time.perf_counter() - started, 2)
            report["retirement_tick_retired"] = sum(len(r.partition_keys) for r in retired.dynamic_partitions_requests)
            started = time.perf_counter()
            for request in retired.dynamic_partitions_requests:
                apply_as_the_daemon(instance, request)
            report["daemon_applies_retirement_seconds"] = round(time.perf_counter() - started, 2)
            report["partitions_left"] = len(instance.get_dynamic_partitions("artworks"))
    shutil.rmtree(home, ignore_errors=True)
    return report
