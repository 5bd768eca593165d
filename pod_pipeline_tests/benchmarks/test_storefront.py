"""`pod-pipeline bench storefront` measures what it says: pushes under throttling beside the floor,
nothing lost, a re-pricing pushing only what moved."""

from pod_pipeline.tools.benchmarks.storefront import measure_storefront


def test_the_storefront_benchmark_loses_no_price_and_reports_its_floor():
    rows = measure_storefront(products=4, variants=3, throttle=0.3, seed=5)
    assert [(r["marketplace"], r["throttle_rate"]) for r in rows] == [
        ("shopify", 0.3), ("shopify", 0.0), ("etsy", 0.3), ("etsy", 0.0)]
    assert all(r["prices_lost"] == 0 and r["prices_failed"] == 0 for r in rows)
    floors = {r["marketplace"]: r for r in rows if r["throttle_rate"] == 0}
    assert floors["shopify"]["calls_per_product"] == 1.0 and floors["etsy"]["calls_per_product"] == 2.0
    assert sum(r["throttled"] for r in rows if r["throttle_rate"] > 0) > 0  # the throttling did happen
    assert all(r["throttled"] == 0 for r in floors.values())
    # Only the moved variants' products are pushed again.
    assert all(r["reprice_calls"] <= r["products"] * (2 if r["marketplace"] == "etsy" else 1) for r in floors.values())
