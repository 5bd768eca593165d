"""Re-pricing a whole catalog, measured against Dagster's own bookkeeping for the same partitions.

Seeds a fresh Dagster instance and catalog with N artworks as publishing leaves them (a
partition each, a stored `variants` output, artwork/product/variant rows and their prices),
moves 10% of Gelato's unit costs in the sandbox, and runs the re-pricing exactly as the
schedule does (cost refresh, then the sensor's range runs), in this process. Side by side, in
the same instance: a no-op single-run asset over the same partitions, i.e. the floor any
partitioned re-pricing pays in materialization events. Then the re-pricing once more with
nothing changed, which must write nothing.

With `partitions` above `artworks`, the instance also holds that many other artwork partitions
(added after the seeded ones, so they come last in the sensor's ranges) and only the range runs
over the seeded artworks are executed: what a range run costs in an instance of 100,000
partitions, set beside the same run in an instance of its own size. Floor and no-op pass are
skipped then.

    measure_reprice(artworks=10_000)  # → {"artworks", "variants", "price_calls", "unique_price_keys", ...}
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Iterator

from dagster import (
    BackfillPolicy,
    DagsterInstance,
    Definitions,
    MaterializeResult,
    asset,
    build_run_status_sensor_context,
    define_asset_job,
    in_process_executor,
)

from pod_pipeline.defs.gelato_cache.assets import unique_price_keys
from pod_pipeline.defs.publishing.variants import fit_frame
from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, VariantRow, product_id_for
from pod_pipeline.definitions import build_definitions
from pod_pipeline.gelato.models import Template
from pod_pipeline.defs.runs import REPRICE_RUN_SIZE, artworks_partitions
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.server import SandboxServer
from pod_pipeline.tools.storage_standin.database import DEFAULT_ADMIN_URL, temporary_database

PRICES_ROUTE = "GET /v3/products/{productUid}/prices"
USER = "0b7d3c52-9a61-4f0e-8d2a-6c1e5f4b3a29"
# Artwork sizes cycled through the catalog: big enough for everything, for posters and shirts,
# and for the smaller sizes only, so artworks differ in which templates they publish.
SIZES = [(7200, 10800), (4800, 6000), (3000, 4000)]
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@asset(partitions_def=artworks_partitions, backfill_policy=BackfillPolicy.single_run(), group_name="benchmark")
def bookkeeping_floor() -> MaterializeResult:
    """Does nothing: what Dagster alone costs to materialize these partitions in one run."""
    return MaterializeResult()


def floor_seconds(instance: DagsterInstance, keys: list[str]) -> float:
    job = Definitions(assets=[bookkeeping_floor], jobs=[define_asset_job(
        "bookkeeping_floor_job", selection=[bookkeeping_floor], executor_def=in_process_executor)],
    ).resolve_job_def("bookkeeping_floor_job")
    started = time.perf_counter()
    job.execute_in_process(instance=instance, run_config=QUIET, tags={
        "dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]})
    return time.perf_counter() - started


def run_repricing(defs: Definitions, instance: DagsterInstance, tags: dict[str, str] | None = None,
                  first_runs: int | None = None) -> dict:
    """The schedule's path, in process: the cost refresh run, then every range run the sensor asks
    for (or its first `first_runs`)."""
    refresh = defs.resolve_job_def("reprice_catalog").execute_in_process(
        instance=instance, run_config=QUIET, tags=tags or {})
    sensor = defs.resolve_sensor_def("reprice_after_cost_refresh")
    context = build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_instance=instance, dagster_run=refresh.dagster_run,
        dagster_event=refresh.get_run_success_event())
    requests = sensor(context) or []
    requests = requests if isinstance(requests, list) else []
    requests = requests[:first_runs] if first_runs is not None else requests
    rows_written = 0
    for request in requests:
        result = defs.resolve_job_def(request.job_name).execute_in_process(
            instance=instance, run_config=QUIET, tags={**request.tags, "dagster/run_key": request.run_key})
        # A range run reports once, in its observation; a one-artwork range on its materialization.
        reports = result.get_asset_observation_events() or result.get_asset_materialization_events()[:1]
        for event in reports:
            data = event.event_specific_data
            point = getattr(data, "asset_observation", None) or data.materialization
            rows_written += int(point.metadata["rows_written"].value)
    return {"range_runs": len(requests), "rows_written": rows_written, "run_keys": [r.run_key for r in requests]}


def seed(defs: Definitions, instance: DagsterInstance, artworks: int) -> tuple[list[str], int]:
    """Partitions, stored `variants` outputs and catalog rows for `artworks` published artworks."""
    seller = defs.resources["settings"].load()
    templates = defs.resolve_job_def("refresh_gelato_cache").execute_in_process(
        instance=instance, run_config=QUIET).output_for_node("templates")
    keys = [f"artwork-{i:06d}" for i in range(artworks)]
    instance.add_dynamic_partitions(artworks_partitions.name, keys)
    frames = [fit_frame(templates, seller, w, h) for w, h in SIZES]
    pickled = [pickle.dumps(frame) for frame in frames]
    folder = Path(instance.storage_directory()) / "variants"
    folder.mkdir(parents=True, exist_ok=True)
    catalog = defs.resources["catalog"].open()
    variants_total = 0
    for start in range(0, artworks, 1000):
        chunk = keys[start:start + 1000]
        products, variant_rows = [], {}
        for index, key in enumerate(chunk, start):
            (folder / key).write_bytes(pickled[index % len(SIZES)])
            frame = frames[index % len(SIZES)]
            catalog.upsert_artwork(ArtworkRow(id=key, user_id=USER, path=f"{USER}/{key}.png", version="1",
                                              status="published"))
            for template_id, rows in frame[frame["template_publishable"]].groupby("template_id"):
                pid = product_id_for(key, template_id)
                products.append(ProductRow(id=pid, artwork_id=key, template_id=template_id, user_id=USER,
                                           status="active", gelato_product_id=f"g-{pid}", external_id=f"x-{pid}"))
                unique = rows.drop_duplicates("template_variant_id")
                variant_rows[pid] = [VariantRow(product_id=pid, template_variant_id=v, title=t, product_uid=u)
                                     for v, t, u in zip(unique["template_variant_id"], unique["variant_title"],
                                                        unique["product_uid"])]
                variants_total += len(unique)
        catalog.upsert_products(products)
        catalog.replace_artwork_variants(variant_rows)
    return keys, variants_total


def move_costs(sandbox: SandboxServer, defs: Definitions, share: float = 0.10, factor: str = "1.08") -> int:
    """Raise Gelato's unit cost on every 1/share-th (productUid, country)."""
    seller = defs.resources["settings"].load()
    pairs = sorted({(uid, country) for uid, country, _ in unique_price_keys(
        _templates_from_sandbox(sandbox, [t.id for t in seller.templates]), seller.markets)})
    step = max(1, round(1 / share))
    chosen = pairs[::step]
    sandbox.set_cost_factors([{"productUid": uid, "country": country, "factor": factor} for uid, country in chosen])
    return len(chosen)


def _templates_from_sandbox(sandbox: SandboxServer, ids: list[str]) -> dict[str, Template]:
    return {i: Template.model_validate(sandbox.state.catalog.template_json(i)) for i in ids}


@contextlib.contextmanager
def _catalog_url(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'catalog.db'}"
        return
    from pod_pipeline.tools.db.migrate import apply_migrations

    with temporary_database(DEFAULT_ADMIN_URL, prefix="pod_bench") as url:
        apply_migrations(url)
        yield url


def measure_reprice(artworks: int = 10_000, catalog: str = "postgres", partitions: int | None = None) -> dict:
    partitions = partitions or artworks
    if partitions < artworks or (partitions > artworks and artworks % REPRICE_RUN_SIZE):
        raise ValueError(f"partitions must be at least the artworks, and then artworks a multiple of {REPRICE_RUN_SIZE}")
    only = None if partitions == artworks else artworks // REPRICE_RUN_SIZE
    with tempfile.TemporaryDirectory(prefix="pod-bench-reprice-") as tmp, \
            SandboxServer(SandboxConfig(publish_delay_seconds=0.0)) as sandbox, \
            _catalog_url(catalog, Path(tmp)) as catalog_url:
        env = {**os.environ, "POD_MODE": "demo", "POD_SANDBOX_URL": sandbox.base_url, "GELATO_API_KEY": sandbox.config.api_key,
               "POD_CATALOG_URL": catalog_url, "POD_BUCKET_DIR": str(Path(tmp) / "bucket")}
        env.pop("POD_SETTINGS", None)
        defs = build_definitions(env)
        (Path(tmp) / "dagster").mkdir()
        instance = DagsterInstance.local_temp(str(Path(tmp) / "dagster"))
        keys, variants = seed(defs, instance, artworks)
        started = time.perf_counter()
        for start in range(artworks, partitions, 10_000):  # the rest of a big shop's artworks
            instance.add_dynamic_partitions(artworks_partitions.name, [
                f"other-{i:06d}" for i in range(start, min(partitions, start + 10_000))])
        adding_seconds = time.perf_counter() - started
        initial = run_repricing(defs, instance, first_runs=only)  # the prices publishing would have stored

        moved = move_costs(sandbox, defs)
        sandbox.reset_calls()
        started = time.perf_counter()
        repriced = run_repricing(defs, instance, first_runs=only)
        wall = time.perf_counter() - started
        calls = sandbox.call_counts()

        floor, noop_wall, unchanged = None, None, {"rows_written": None}
        if only is None:
            floor = floor_seconds(instance, keys)
            started = time.perf_counter()
            unchanged = run_repricing(defs, instance)
            noop_wall = time.perf_counter() - started
        seller = defs.resources["settings"].load()
        return {
            "artworks": artworks,
            "partitions": partitions,
            "adding_other_partitions_seconds": round(adding_seconds, 2),
            "variants": variants,
            "catalog": catalog,
            "price_rows": initial["rows_written"],
            "cost_keys_moved": moved,
            "price_calls": calls.get(PRICES_ROUTE, 0),
            "unique_price_keys": len(unique_price_keys(_templates_from_sandbox(
                sandbox, [t.id for t in seller.templates]), seller.markets)),
            "range_runs": repriced["range_runs"],
            "rows_written": repriced["rows_written"],
            "wall_seconds": round(wall, 2),
            "floor_seconds": round(floor, 2) if floor else None,
            "ratio_to_floor": round(wall / floor, 2) if floor else None,
            "unchanged_rows_written": unchanged["rows_written"],
            "unchanged_wall_seconds": round(noop_wall, 2) if noop_wall is not None else None,
        }
