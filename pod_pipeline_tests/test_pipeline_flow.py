"""The whole flow through Dagster against the Gelato sandbox over real HTTP: sensor ticks,
partitions, runs, checks, catalog rows and Gelato calls."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
from dagster import AssetCheckKey, AssetKey, AssetRecordsFilter, DagsterInstance, RunsFilter, instance_for_test
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from PIL import Image

from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.definitions import build_definitions
from pod_pipeline.tools.sensor_driver import SensorDriver, follow_until_settled
from pod_pipeline.storage.base import artwork_id_for

OWNER = "user-1"
CREATE = "POST /v1/stores/{storeId}/products:create-from-template"


def gradient_jpeg(path: Path, width: int, height: int) -> None:
    x = np.linspace(0, 255, width, dtype=np.uint8)
    y = np.linspace(0, 255, height, dtype=np.uint8)
    pixels = np.stack([np.broadcast_to(x, (height, width)), np.broadcast_to(y[:, None], (height, width)),
                       np.full((height, width), 90, np.uint8)], axis=-1)
    Image.fromarray(pixels).save(path, format="JPEG", quality=85)


@pytest.fixture
def uploads(pipeline_env) -> dict[str, str]:
    folder = Path(pipeline_env["POD_BUCKET_DIR"]) / OWNER
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes-at-dusk.jpg", 4200, 6000)  # sharp enough for every template
    gradient_jpeg(folder / "lake-panorama.jpg", 6000, 2400)  # only a mug's wrap takes this shape
    gradient_jpeg(folder / "thumbnail.jpg", 400, 500)  # too small for anything
    (folder / "notes.png").write_text("buy milk\n")  # not an image, whatever its name says
    return {name: artwork_id_for(f"{OWNER}/{name}") for name in ("dunes-at-dusk.jpg", "lake-panorama.jpg", "thumbnail.jpg", "notes.png")}


@pytest.fixture
def instance():
    with instance_for_test() as inst:
        yield inst


def run_until_quiet(driver: SensorDriver, ticks: int = 5) -> int:
    """Tick the upload sensor until it asks for nothing new, then let the status sensor follow
    the created products until they settle; returns the publishing runs executed."""
    total = 0
    for _ in range(ticks):
        executed = driver.tick()
        total += executed
        if executed == 0:
            break
    follow_until_settled(driver.defs, driver.instance, timeout_seconds=30)
    return total


def check_passed(instance: DagsterInstance, asset: str, check: str, partition: str) -> bool:
    """The check's result for this partition (or, for an unpartitioned check, in the run that
    materialized it)."""
    records = instance.event_log_storage.get_asset_check_execution_history(
        AssetCheckKey(AssetKey(asset), check), limit=20)
    materialized = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[partition]), limit=1).records
    run_id = materialized[0].run_id if materialized else None
    for record in records:
        if record.partition == partition or (record.partition is None and record.run_id == run_id):
            return record.status == AssetCheckExecutionRecordStatus.SUCCEEDED
    raise AssertionError(f"no evaluation of {asset}.{check} for {partition}")


def test_uploads_become_live_products_or_readable_rejections(pipeline_env, uploads, instance, gelato_sandbox):
    defs = build_definitions(pipeline_env)
    driver = SensorDriver(defs, instance, "upload_sensor")
    runs = run_until_quiet(driver)
    assert runs == 2  # the cache bootstrap, then one batch for the four new uploads
    batch = instance.get_runs(filters=RunsFilter(job_name="publish_artwork"))[0]
    # Two uploads are rejected inside the batch; the other two go on, and the run succeeds.
    assert batch.is_success and batch.tags["pod/batch_size"] == "4"

    catalog = SqliteCatalog(pipeline_env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
    good = catalog.get_artwork(uploads["dunes-at-dusk.jpg"])
    assert good.status == "published" and good.reason is None
    products = catalog.products_for(good.id)
    assert len(products) == 3
    assert all(p.status == "active" and p.gelato_product_id and p.external_id for p in products)
    for product in products:
        variants = catalog.variants_for(product.id)
        assert variants and all(v.price and v.price > v.cost and v.gelato_variant_id for v in variants)
        assert all(v.connection_status == "connected" for v in variants)

    panorama = catalog.get_artwork(uploads["lake-panorama.jpg"])
    assert panorama.status == "partial" and "crops 72% of the print" in panorama.reason
    statuses = sorted(p.status for p in catalog.products_for(panorama.id))
    assert statuses == ["active", "skipped", "skipped"]

    tiny = catalog.get_artwork(uploads["thumbnail.jpg"])
    assert tiny.status == "rejected" and "not printable on any template" in tiny.reason
    notes = catalog.get_artwork(uploads["notes.png"])
    assert notes.status == "rejected" and "not an image" in notes.reason

    calls = gelato_sandbox.call_counts()
    assert calls[CREATE] == 4
    assert "GET /v1/stores/{storeId}/products" not in calls  # no reconcile listing on a clean run
    assert calls["GET /v1/templates/{templateId}"] == 3  # once, in the cache run; artwork runs reuse it

    partition = good.id
    for asset, check in [("artworks", "print_file_is_reachable"),
                         ("variants", "publishable_templates_are_sharp_enough"),
                         ("listing", "listing_meets_marketplace_rules"), ("prices", "every_variant_priced"),
                         ("prices", "prices_keep_margin_and_profit"), ("prices", "prices_follow_rounding"),
                         ("published_products", "every_variant_on_product")]:
        assert check_passed(instance, asset, check, partition), f"{asset}.{check}"
    assert instance.get_latest_materialization_event(AssetKey("published_products")) is not None
    # The run handed over; the status sensor observed the products going live on the partition.
    observed = instance.fetch_observations(
        AssetRecordsFilter(asset_key=AssetKey("published_products"), asset_partitions=[partition]), limit=10).records
    outcomes = [r.asset_observation.metadata.get("artwork_status") for r in observed]
    assert any(o is not None and o.value == "published" for o in outcomes)
    # The latest event says the current truth: every product's status, by template name (issue 15, item 5).
    now_true = observed[0].asset_observation.metadata  # newest first
    assert now_true["artwork_status"].value == "published" and now_true["products_live"].value == 3
    products = [r.data for r in now_true["products"].value.records]
    assert sorted(p["status"] for p in products) == ["active"] * 3 and all(p["external_id"] for p in products)
    assert not any(re.fullmatch(r"[0-9a-f-]{36}", p["template"]) for p in products)

    # Each partition of the batch describes its own artwork; the run's totals are the range's.
    def latest(asset: str, key: str) -> dict:
        [record] = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[key]), limit=1).records
        return {name: value.value for name, value in record.asset_materialization.metadata.items()}

    own_rows = {key: len(catalog.current_prices([key])) for key in (good.id, panorama.id)}
    assert own_rows[good.id] != own_rows[panorama.id]
    for key in (good.id, panorama.id):
        assert latest("prices", key)["rows_priced"] == own_rows[key]
    # Each variant's price as a seller reads it: product by name, price with currency, cost, fees, margin.
    prices = latest("prices", good.id)["prices"]
    first = prices.records[0].data
    assert len(prices.records) == own_rows[good.id]
    assert [c.name for c in prices.schema.columns][:4] == ["product", "variant", "market", "price"]
    assert not re.fullmatch(r"[0-9a-f-]{36}", first["product"]) and " " in first["product"]  # a name, not an id
    assert first["price"].split(" ")[1] in {"USD", "EUR", "GBP"} and first["fees"].endswith(tuple("0123456789"))
    assert 0 < first["margin %"] < 100
    for rejected in (tiny.id, notes.id):
        assert latest("prices", rejected)["outcome"] == "stopped" and "rows_priced" not in latest("prices", rejected)
    assert all("gelato_calls" not in latest("published_products", key) for key in uploads.values())
    [totals] = [r.asset_observation.metadata for r in instance.fetch_observations(
        AssetRecordsFilter(asset_key=AssetKey("published_products")), limit=50).records
        if "gelato_calls" in r.asset_observation.metadata]
    assert totals["artworks"].value == 4 and totals["gelato_calls"].value >= 4


def test_redelivery_and_reruns_never_create_twice(pipeline_env, uploads, instance, gelato_sandbox):
    defs = build_definitions(pipeline_env)
    driver = SensorDriver(defs, instance, "upload_sensor")
    run_until_quiet(driver)
    creates = gelato_sandbox.call_counts()[CREATE]

    driver.cursor = None  # the same uploads delivered again: the catalog has seen these versions
    runs_before = len(instance.get_run_ids())
    assert driver.tick() == 0
    assert driver.last_requested == 0 and len(instance.get_run_ids()) == runs_before

    # An operator re-materializes the artwork: the products are adopted, not created again.
    good = uploads["dunes-at-dusk.jpg"]
    result = defs.resolve_job_def("publish_artwork").execute_in_process(
        instance=instance, partition_key=good, tags={"pod/upload_path": f"{OWNER}/dunes-at-dusk.jpg"})
    assert result.success
    assert gelato_sandbox.call_counts()[CREATE] == creates
    assert len(gelato_sandbox.state.products) == creates


def test_a_reupload_with_new_bytes_replaces_its_products(pipeline_env, uploads, instance, gelato_sandbox):
    defs = build_definitions(pipeline_env)
    driver = SensorDriver(defs, instance, "upload_sensor")
    run_until_quiet(driver)
    catalog = SqliteCatalog(pipeline_env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
    artwork_id = uploads["dunes-at-dusk.jpg"]
    before = {p.template_id: p for p in catalog.products_for(artwork_id)}
    creates = gelato_sandbox.call_counts()[CREATE]

    time.sleep(0.01)  # the new version must carry a later mtime
    gradient_jpeg(Path(pipeline_env["POD_BUCKET_DIR"]) / OWNER / "dunes-at-dusk.jpg", 4300, 6100)
    assert run_until_quiet(driver) == 1  # the new version is one new run on the same partition

    after = {p.template_id: p for p in catalog.products_for(artwork_id)}
    artwork = catalog.get_artwork(artwork_id)
    assert artwork.status == "published" and artwork.width == 4300
    assert gelato_sandbox.call_counts()[CREATE] == creates + 3
    assert gelato_sandbox.call_counts()["DELETE /v1/stores/{storeId}/products/{productId}"] == 3
    for template_id, old in before.items():
        new = after[template_id]
        assert new.id == old.id and new.gelato_product_id != old.gelato_product_id
        assert new.artwork_checksum == artwork.checksum != old.artwork_checksum
        assert old.gelato_product_id not in gelato_sandbox.state.products
