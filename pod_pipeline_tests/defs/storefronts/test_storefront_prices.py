"""Prices reach the storefront (issue 16, item 3): an artwork published through the sandbox goes
live; the storefront sensor sees its prices due and starts a push; every live variant's price on
the (stand-in) Shopify shop then equals the catalog's; a re-priced variant is pushed alone; a
marketplace that keeps failing leaves the reason on the artwork and backs off."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from dagster import AssetCheckKey, AssetKey, DagsterEventType, EventRecordsFilter, instance_for_test

from pod_pipeline.catalog.rows import now
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.definitions import build_definitions
from pod_pipeline.tools.sensor_driver import SensorDriver, follow_until_settled
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.tools.storefront_standins.faults import StorefrontFaults
from pod_pipeline.tools.storefront_standins.shopify import ShopifyShop, create_shopify_app
from pod_pipeline_tests.conftest import POSTER, settings_file
from pod_pipeline_tests.test_pipeline_flow import gradient_jpeg

CHECK = AssetCheckKey(AssetKey("storefront_prices"), "every_live_price_on_the_storefront")


def check_result(instance):
    return instance.get_latest_asset_check_evaluation_record(CHECK).event.dagster_event.event_specific_data


STORE = {"name": "poster-shop", "gelato_store_id": "6d1c9a3e-4f2b-4b8a-9e7d-0a5c3b2f1e84", "marketplace": "shopify",
         "credentials": {"shop_url": "TEST_SHOPIFY_SHOP_URL", "access_token": "TEST_SHOPIFY_TOKEN"}}


@pytest.fixture
def published(pipeline_env, tmp_path, monkeypatch):
    """One artwork live on the poster template, its products listed in the stand-in shop."""
    settings = settings_file(tmp_path, templates=[{"id": POSTER}], stores=[STORE])
    raw = yaml.safe_load(Path(settings).read_text())
    del raw["store_id"]  # named once, under stores
    Path(settings).write_text(yaml.safe_dump(raw))
    env = {**pipeline_env, "POD_SETTINGS": settings}
    folder = Path(env["POD_BUCKET_DIR"]) / "user-1"
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
    shop = ShopifyShop(access_token="shpat_test")
    monkeypatch.setenv("TEST_SHOPIFY_TOKEN", "shpat_test")
    monkeypatch.setenv("TEST_SHOPIFY_SHOP_URL", "https://example.myshopify.com")  # demo mode: the stand-in's URL wins
    catalog = SqliteCatalog(env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
    with instance_for_test() as instance:
        defs = build_definitions(env)
        uploads = SensorDriver(defs, instance, "upload_sensor")
        while uploads.tick():
            pass
        follow_until_settled(defs, instance, timeout_seconds=30)
        [artwork_id] = instance.get_dynamic_partitions("artworks")
        [product] = [p for p in catalog.products_for(artwork_id) if p.status == "active"]
        variants = catalog.variants_for(product.id)
        shop.add_product(product.external_id, [v.external_id for v in variants])
        yield env, instance, catalog, shop, product, variants, artwork_id


def storefront_defs(env, shop_url):
    return build_definitions({**env, "POD_SHOPIFY_URL": shop_url})


def test_live_prices_reach_the_storefront_and_only_changes_are_pushed_again(published):
    env, instance, catalog, shop, product, variants, artwork_id = published
    with BackgroundServer(create_shopify_app(shop)) as server:
        defs = storefront_defs(env, server.base_url)
        sensor = SensorDriver(defs, instance, "storefront_price_sensor")
        assert sensor.tick() == 1  # prices due: one push run
        assert shop.prices(product.external_id) == {v.external_id: v.price for v in variants}
        assert shop.requests == 1  # every variant of the product in one call
        assert check_result(instance).passed
        assert sensor.tick() == 0 and sensor.last_summary == "no storefront price is due"

        # Re-priced: one variant changes, only it is pushed.
        changed = variants[0].model_copy(update={"price": variants[0].price + Decimal("3")})
        catalog.replace_artwork_variants({product.id: [changed, *variants[1:]]})
        assert sensor.tick() == 1
        assert shop.prices(product.external_id)[changed.external_id] == changed.price
        record = instance.get_latest_materialization_event(AssetKey("storefront_prices")).asset_materialization
        assert record.metadata["prices_pushed"].value == 1 and record.metadata["prices_failed"].value == 0
        assert shop.requests == 2


def test_a_failing_marketplace_leaves_the_reason_on_the_artwork_and_backs_off(published):
    env, instance, catalog, shop, product, variants, artwork_id = published
    with BackgroundServer(create_shopify_app(shop, StorefrontFaults(rate_5xx=1.0))) as server:
        defs = storefront_defs(env, server.base_url)
        sensor = SensorDriver(defs, instance, "storefront_price_sensor")
        assert sensor.tick() == 1
        record = instance.get_latest_materialization_event(AssetKey("storefront_prices")).asset_materialization
        assert record.metadata["prices_failed"].value == len(variants) and record.metadata["prices_pushed"].value == 0
        evaluation = check_result(instance)
        assert not evaluation.passed and evaluation.metadata["variants_off_the_storefront"].value == len(variants)
        rows = catalog.storefront_prices_for(artwork_id)
        assert all(r.error and "HTTP 503" in r.error and r.attempts == 1 and r.price is None for r in rows)
        observation = instance.get_event_records(EventRecordsFilter(
            DagsterEventType.ASSET_OBSERVATION, asset_key=AssetKey("published_products"), asset_partitions=[artwork_id]),
            limit=1, ascending=False)[0].asset_observation
        assert observation.metadata["storefront_prices"].value == "failed"
        assert "HTTP 503" in observation.metadata["storefront_reason"].value
        # Backed off: nothing due now, due again once the back-off has passed.
        assert sensor.tick() == 0
        assert catalog.due_storefront_prices(now() + timedelta(minutes=2))


def test_a_store_without_credentials_pushes_nothing(pipeline_env):
    with instance_for_test() as instance:
        sensor = SensorDriver(build_definitions(pipeline_env), instance, "storefront_price_sensor")
        assert sensor.tick() == 0 and "no store names its marketplace credentials" in sensor.last_summary


def test_unset_credential_variables_are_named(published, monkeypatch):
    env, instance, catalog, shop, product, variants, artwork_id = published
    monkeypatch.delenv("TEST_SHOPIFY_TOKEN")
    with BackgroundServer(create_shopify_app(shop)) as server:
        defs = storefront_defs(env, server.base_url)
        result = defs.resolve_job_def("push_storefront_prices").execute_in_process(instance=instance, raise_on_error=False)
        assert not result.success
        message = result.get_step_failure_events()[0].step_failure_data.error.message
        assert "set TEST_SHOPIFY_TOKEN" in message and "shpat_test" not in message
