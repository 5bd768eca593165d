"""Several stores (issue 16, items 1, 2 and 4), through the real pipeline on the sandbox: an Etsy
store and a Shopify store selling in pounds; one artwork gives one product per store × template,
each store with its own copy and its own main market's prices; a template held back by its
rollout is a readable `skipped` row, not a failure; a re-run creates nothing twice in any store."""

from __future__ import annotations

from pathlib import Path

import yaml
from dagster import AssetKey, AssetRecordsFilter, instance_for_test

from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.definitions import build_definitions
from pod_pipeline.listing.marketplaces import marketplace_rules
from pod_pipeline.listing.model import Listing
from pod_pipeline.listing.rules import listing_violations
from pod_pipeline.settings.loading import load_settings
from pod_pipeline.settings.rollout import bucket, is_held_back
from pod_pipeline.storage.base import artwork_id_for
from pod_pipeline.tools.sensor_driver import SensorDriver, follow_until_settled
from pod_pipeline_tests.conftest import POSTER, settings_file
from pod_pipeline_tests.test_pipeline_flow import CREATE, OWNER, gradient_jpeg, run_until_quiet

MUG = "5b0e7d41-2c8a-4f63-b9d7-a6e1c30f9d25"
ETSY_ID, SHOPIFY_ID = "6d1c9a3e-4f2b-4b8a-9e7d-0a5c3b2f1e84", "9a7c4e21-3b6d-4f80-a2c5-1e8d7f0b6c93"


def two_store_settings(tmp_path) -> str:
    path = settings_file(tmp_path, templates=[{"id": POSTER}, {"id": MUG, "fit_method": "meet",
                                                                 "max_aspect_mismatch": 0.8, "rollout": 0}],
                         stores=[{"name": "main", "gelato_store_id": ETSY_ID, "marketplace": "etsy"},
                                 {"name": "poster-shop", "gelato_store_id": SHOPIFY_ID, "marketplace": "shopify",
                                  "templates": [POSTER], "markets": ["GB", "US"], "visible": True}])
    raw = yaml.safe_load(Path(path).read_text())
    del raw["store_id"]  # named once, under stores
    Path(path).write_text(yaml.safe_dump(raw))
    return path


def test_one_artwork_becomes_a_product_per_store_with_its_own_copy_and_prices(pipeline_env, tmp_path,
                                                                                gelato_sandbox):
    env = {**pipeline_env, "POD_SETTINGS": two_store_settings(tmp_path)}
    folder = Path(env["POD_BUCKET_DIR"]) / OWNER
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
    artwork_id = artwork_id_for(f"{OWNER}/dunes.jpg")
    catalog = SqliteCatalog(env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
    with instance_for_test() as instance:
        defs = build_definitions(env)
        run_until_quiet(SensorDriver(defs, instance, "upload_sensor"))
        follow_until_settled(defs, instance, timeout_seconds=30)

        products = {(p.store, p.template_id): p for p in catalog.products_for(artwork_id)}
        assert set(products) == {("main", POSTER), ("main", MUG), ("poster-shop", POSTER)}
        etsy, shop, mug = products["main", POSTER], products["poster-shop", POSTER], products["main", MUG]
        assert (etsy.status, shop.status) == ("active", "active") and etsy.external_id and shop.external_id
        # The mug is held back by its rollout (0%): said so, not published, not a failure.
        assert mug.status == "skipped" and is_held_back(mug.reason) and "template:" + MUG in mug.reason
        assert f"bucket is {bucket('template:' + MUG, artwork_id)}" in mug.reason
        assert catalog.get_artwork(artwork_id).status == "published"

        # Each store's copy: Shopify's own title, Etsy's within Etsy's rules.
        assert shop.title != etsy.title and len(etsy.title) <= 140
        seller = load_settings(env["POD_SETTINGS"])
        for row, rules in ((etsy, seller.listing), (shop, marketplace_rules("shopify", seller.listing))):
            as_listed = Listing(title=row.title, description_html=row.description, tags=row.tags, alt_text="a")
            assert listing_violations(as_listed, rules) == []
        assert etsy.description == shop.description  # the description is shared
        # Each store's main market: dollars on Etsy, pounds on the Shopify store.
        assert {v.currency for v in catalog.variants_for(etsy.id)} == {"USD"}
        assert {v.currency for v in catalog.variants_for(shop.id)} == {"GBP"}
        assert all(v.price is not None for v in catalog.variants_for(shop.id))

        # In Gelato: one product in each store, made visible where the store says so.
        by_store = {}
        for product in gelato_sandbox.state.products.values():
            by_store.setdefault(product.store_id, []).append(product)
        assert [p.id for p in by_store[ETSY_ID]] == [etsy.gelato_product_id]
        assert [p.id for p in by_store[SHOPIFY_ID]] == [shop.gelato_product_id]

        # The partition shows the rollout it met.
        [record] = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey("published_products"), asset_partitions=[artwork_id]), limit=1).records
        metadata = record.asset_materialization.metadata
        assert "poster-shop (shopify)" in metadata["stores"].value
        rows = [r.data for r in metadata["rollout"].records]
        assert [(r["flag"], r["percent"], r["included"]) for r in rows] == [(f"template:{MUG}", 0, False)]

        # A re-run of the artwork creates nothing again, in either store.
        creates = gelato_sandbox.call_counts()[CREATE]
        result = defs.resolve_job_def("publish_artwork").execute_in_process(
            instance=instance, partition_key=artwork_id, tags={"pod/upload_path": f"{OWNER}/dunes.jpg"})
        assert result.success and gelato_sandbox.call_counts()[CREATE] == creates == 2
        assert len(catalog.products_for(artwork_id)) == 3


def test_widening_a_rollout_reaches_an_artwork_when_it_is_published_again_and_narrowing_takes_nothing_down(
        pipeline_env, tmp_path, gelato_sandbox):
    settings = two_store_settings(tmp_path)
    env = {**pipeline_env, "POD_SETTINGS": settings}
    folder = Path(env["POD_BUCKET_DIR"]) / OWNER
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
    artwork_id = artwork_id_for(f"{OWNER}/dunes.jpg")
    catalog = SqliteCatalog(env["POD_CATALOG_URL"].removeprefix("sqlite:///"))

    def set_rollouts(mug: int, shop: int) -> None:
        raw = yaml.safe_load(Path(settings).read_text())
        raw["templates"][1]["rollout"] = mug
        raw["stores"][1]["rollout"] = shop
        Path(settings).write_text(yaml.safe_dump(raw))

    def publish_again(instance):
        defs = build_definitions(env)
        result = defs.resolve_job_def("publish_artwork").execute_in_process(
            instance=instance, partition_key=artwork_id, tags={"pod/upload_path": f"{OWNER}/dunes.jpg"})
        assert result.success
        follow_until_settled(defs, instance, timeout_seconds=30)

    with instance_for_test() as instance:
        defs = build_definitions(env)
        run_until_quiet(SensorDriver(defs, instance, "upload_sensor"))
        follow_until_settled(defs, instance, timeout_seconds=30)
        mug_id = next(p.id for p in catalog.products_for(artwork_id) if p.template_id == MUG)
        assert catalog.get_product(mug_id).status == "skipped"

        set_rollouts(mug=100, shop=100)  # widened: nothing changes until the artwork is published again
        assert catalog.get_product(mug_id).status == "skipped"
        publish_again(instance)
        assert catalog.get_product(mug_id).status == "active" and catalog.get_product(mug_id).gelato_product_id
        assert catalog.get_artwork(artwork_id).status == "published"

        creates = gelato_sandbox.call_counts()[CREATE]
        set_rollouts(mug=0, shop=0)  # narrowed: what is in the stores stays
        publish_again(instance)
        assert gelato_sandbox.call_counts()[CREATE] == creates
        assert {(p.store, p.status) for p in catalog.products_for(artwork_id)} == {
            ("main", "active"), ("poster-shop", "active")}
        assert len(gelato_sandbox.state.products) == creates
