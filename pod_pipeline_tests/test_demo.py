"""`pod-pipeline demo --json` end to end, as a new user runs it: a separate process, embedded
defaults, the bundled sample set."""

import json
from decimal import Decimal
import re
import subprocess
import sys

from dagster import AssetKey, AssetPartitionStatus, DagsterInstance, DagsterRunStatus, RunsFilter

from pod_pipeline.defs.dagster_private import InstigatorType
from pod_pipeline.defs.runs import artworks_partitions

from pod_pipeline.tools.sandbox.seed import load_catalog

EXPECTED = {
    "sunset-over-dunes.png": "published",
    "botanical-fern-study.jpg": "published",
    "lake-panorama.jpg": "partial",
    "midnight-garden-cmyk.jpg": "partial",
    "tiny-doodle.png": "rejected",
    "broken-upload.png": "rejected",
    "shopping-list.png": "rejected",
}


def test_demo_json_reports_every_sample_in_a_final_state(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pod_pipeline.tools.cli", "demo", "--json", "--home", str(tmp_path / "demo"),
         "--publish-delay", "0.3", "--timeout", "300"],
        capture_output=True, text=True, timeout=420,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # Issue 15, item 9: a quiet console (no Dagster DEBUG lines, no warnings); the lines are kept.
    assert "DEBUG" not in done.stderr and "Warning" not in done.stderr, done.stderr[-2000:]
    assert "DEBUG" in (tmp_path / "demo" / "dagster.log").read_text()
    results = json.loads(done.stdout)
    assert {r["artwork"]: r["status"] for r in results} == EXPECTED

    variants_per_template = {tid: len(t["variants"]) for tid, t in load_catalog().templates.items()}
    for result in results:
        assert set(result) >= {"artwork", "status", "reason", "products"}
        if result["status"] == "rejected":
            assert result["reason"] and not any(p["gelato_product_id"] for p in result["products"])
            continue
        live = [p for p in result["products"] if p["status"] == "active"]
        assert live, result
        for product in live:
            assert product["gelato_product_id"] and product["title"] and 1 <= len(product["tags"]) <= 13
            assert product["variants"] == variants_per_template[product["template_id"]]
            # Issue 16, item 3: the retail prices reached the storefront (the stand-ins), each in
            # its store's main market.
            assert (product["store_id"], product["marketplace"]) in {("demo-etsy", "etsy"), ("demo-shopify", "shopify")}
            assert len(product["prices"]) == product["variants"]
            assert all(Decimal(p["storefront_price"]) == Decimal(p["price"]) for p in product["prices"]), product["prices"]
            currency = {"demo-etsy": "USD", "demo-shopify": "GBP"}[product["store_id"]]
            assert {p["currency"] for p in product["prices"]} == {currency}
            # Issue 17, item 6: a print file per placeholder, in the bucket, shaped like its area.
            assert product["print_files"], product
            for placed in product["print_files"]:
                assert (tmp_path / "demo" / "bucket" / placed["file"]).is_file()
                bleed = placed["bleed_mm"]
                want = (placed["width_mm"] + 2 * bleed) / (placed["height_mm"] + 2 * bleed)
                assert abs(placed["width_px"] / placed["height_px"] - want) <= 0.005 * want, placed
                assert 0 < placed["effective_dpi"] <= 300.05
        # Issue 16, items 1, 2 and 5: a product per store and template, each store with its own copy.
        by_store = {}
        for product in live:
            by_store.setdefault(product["template_id"], {})[product["store_id"]] = product
        assert all(set(stores) == {"demo-etsy", "demo-shopify"} for stores in by_store.values()), by_store
        for stores in by_store.values():
            etsy, shopify = stores["demo-etsy"], stores["demo-shopify"]
            assert etsy["title"] != shopify["title"] and etsy["tags"] != shopify["tags"]
            assert len(etsy["title"]) <= 140 and all(len(tag) <= 20 for tag in etsy["tags"])
        if result["status"] == "partial":
            assert result["reason"]
    assert (tmp_path / "demo" / "dagster" / "dagster.yaml").exists()
    # The instance browses like a real one (issue 15, item 7): the daemon launched every run from
    # the code location (so the timeline and each sensor's Runs tab show it), its ticks are
    # recorded with what they did, and the funnel is there with its check evaluated.
    with DagsterInstance.from_config(str(tmp_path / "demo" / "dagster")) as instance:
        funnel = instance.get_latest_materialization_event(AssetKey("funnel"))
        assert funnel is not None and funnel.asset_materialization.metadata["uploads"].value == len(EXPECTED)
        runs = instance.get_runs()
        assert {r.job_name for r in runs} == {"refresh_gelato_cache", "publish_artwork", "refresh_funnel",
                                              "push_storefront_prices"}
        pushes = instance.get_runs(RunsFilter(job_name="push_storefront_prices"))
        assert all(r.tags.get("dagster/sensor_name") == "storefront_price_sensor" and r.is_success for r in pushes)
        assert all(r.remote_job_origin is not None for r in runs), runs
        publishing = instance.get_runs(RunsFilter(job_name="publish_artwork", tags={"dagster/sensor_name": "upload_sensor"}))
        assert publishing and all(r.is_success for r in publishing)
        ticks = {state.instigator_name: instance.get_ticks(state.instigator_origin_id, state.selector_id)
                 for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)}
        launched = {run_id for tick in ticks["upload_sensor"] for run_id in tick.run_ids}
        assert {r.run_id for r in publishing} <= launched
        # Issue 15, item 1: a stopped artwork is a Failed partition (its own run failed with the
        # reason), from the asset where it stopped down; its batch-mates stay materialized.
        ids = {r["artwork"]: r["artwork_id"] for r in results}
        status = {asset: instance.get_status_by_partition(AssetKey(asset), list(ids.values()), artworks_partitions)
                  for asset in ("artworks", "variants", "published_products")}
        for name, expected in EXPECTED.items():
            live_or_not = AssetPartitionStatus.FAILED if expected == "rejected" else AssetPartitionStatus.MATERIALIZED
            assert status["published_products"][ids[name]] == live_or_not, (name, status)
        assert status["artworks"][ids["tiny-doodle.png"]] == AssetPartitionStatus.MATERIALIZED  # it stopped at variants
        assert status["variants"][ids["tiny-doodle.png"]] == AssetPartitionStatus.FAILED
        assert status["artworks"][ids["shopping-list.png"]] == AssetPartitionStatus.FAILED
        reruns = instance.get_runs(RunsFilter(tags={"pod/stopped_in_run": publishing[0].run_id}))
        assert sorted(r.tags["dagster/partition"] for r in reruns) == sorted(
            ids[name] for name, expected in EXPECTED.items() if expected == "rejected")
        assert all(r.status == DagsterRunStatus.FAILURE and r.tags["dagster/sensor_name"] == "stopped_artwork_sensor"
                   for r in reruns)
        # Each status tick says what it did; together they moved every live product.
        changes = [int(m.group(1)) for tick in ticks["product_status_sensor"]
                   for m in [re.search(r"(\d+) changes", tick.skip_reason or "")] if m]
        live = sum(p["status"] == "active" for r in results for p in r["products"])
        assert len(changes) == len(ticks["product_status_sensor"]) and sum(changes) >= live > 0, changes
