"""Runs that go wrong still leave every artwork in a final, readable state."""

from __future__ import annotations

from pathlib import Path

from dagster import instance_for_test

from pod_pipeline.defs.publishing import checks
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.definitions import build_definitions
from pod_pipeline.tools.sensor_driver import SensorDriver, follow_until_settled
from pod_pipeline.storage.base import artwork_id_for
from pod_pipeline_tests.conftest import poster_only_settings
from pod_pipeline_tests.test_pipeline_flow import gradient_jpeg



def run_one_artwork(pipeline_env, settings_path: str):
    env = {**pipeline_env, "POD_SETTINGS": settings_path}
    folder = Path(env["POD_BUCKET_DIR"]) / "user-1"
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
    defs = build_definitions(env)
    with instance_for_test() as instance:
        driver = SensorDriver(defs, instance, "upload_sensor")
        while driver.tick():
            pass
        follow_until_settled(defs, instance, timeout_seconds=30)
    catalog = SqliteCatalog(env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
    artwork = catalog.get_artwork(artwork_id_for("user-1/dunes.jpg"))
    return artwork, catalog.products_for(artwork.id)


def test_a_failed_blocking_check_stops_publishing_and_says_why(pipeline_env, tmp_path, monkeypatch, gelato_sandbox):
    monkeypatch.setattr(checks, "listing_violations", lambda listing, rules: ["title uses '$'"])
    artwork, products = run_one_artwork(pipeline_env, poster_only_settings(tmp_path))
    assert artwork.status == "failed"
    assert "listing_meets_marketplace_rules" in artwork.reason
    assert "POST /v1/stores/{storeId}/products:create-from-template" not in gelato_sandbox.call_counts()
    assert not products


def test_products_still_publishing_past_the_limit_are_marked_stalled_and_still_followed(
        pipeline_env, tmp_path, gelato_sandbox):
    gelato_sandbox.config.publish_delay_seconds = 600
    settings = poster_only_settings(tmp_path, publishing={"stalled_after_seconds": 1})
    artwork, products = run_one_artwork(pipeline_env, settings)
    assert [p.status for p in products] == ["stalled"]
    assert "still" in products[0].reason and products[0].gelato_product_id
    assert artwork.status == "failed" and "still" in artwork.reason

    # Gelato finishes after all: the next poll of the stalled product sees it live.
    gelato_sandbox.state.make_live(products[0].gelato_product_id)
    catalog = SqliteCatalog(pipeline_env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
    catalog.update_product(products[0].id, next_check_at=None)  # due now, not at its backed-off time
    with instance_for_test() as instance:
        follow_until_settled(build_definitions({**pipeline_env, "POD_SETTINGS": settings}), instance, 10)
    assert catalog.get_product(products[0].id).status == "active"
    assert catalog.get_artwork(artwork.id).status == "published"


def test_a_burst_of_429s_slows_publishing_down_instead_of_failing_it(pipeline_env, tmp_path, gelato_sandbox):
    # Half of all calls refused, each with a Retry-After: the client waits as told, then resends.
    gelato_sandbox.set_faults(rate_429=0.5, retry_after_seconds=0.2)
    artwork, products = run_one_artwork(pipeline_env, poster_only_settings(tmp_path))
    gelato_sandbox.set_faults(rate_429=0.0)
    assert artwork.status == "published", artwork.reason
    assert [p.status for p in products] == ["active"]
    assert len(gelato_sandbox.state.products) == 1  # a refused create was resent, never duplicated
