"""Re-pricing jobs: a cost refresh that starts a re-pricing, and range runs of `prices`."""

import functools

from dagster import AssetSelection

from pod_pipeline.defs.runs import RunMode, pipeline_job

REPRICE_CATALOG = "reprice_catalog"
REPRICE_PRICES = "reprice_prices"


@functools.cache
def reprice_catalog_job(mode: RunMode):
    return pipeline_job(
        REPRICE_CATALOG, AssetSelection.assets("templates", "base_costs"), mode,
        "Re-price every artwork: refresh Gelato's templates and unit costs, then the sensor "
        "reprice_after_cost_refresh re-prices all artworks in a few range runs. Add the tag pod/dry_run=true "
        "for a drift report that writes nothing.")


@functools.cache
def reprice_prices_job(mode: RunMode):
    return pipeline_job(
        REPRICE_PRICES, AssetSelection.assets("prices"), mode,
        "Re-price a range of artworks from the cached unit costs (launched as range runs by "
        "reprice_after_cost_refresh, or as a backfill of `prices` from the UI).")
