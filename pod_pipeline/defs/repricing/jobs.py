"""Re-pricing jobs: a cost refresh that starts a re-pricing, and range runs of `prices`."""

import functools

from dagster import AssetSelection, define_asset_job, in_process_executor

from pod_pipeline.defs.runs import mode_tags
from pod_pipeline.observability import RUN_LOGGER_CONFIG, report_step_failure

REPRICE_CATALOG = "reprice_catalog"
REPRICE_PRICES = "reprice_prices"


@functools.cache
def reprice_catalog_job(mode: str):
    return define_asset_job(
        name=REPRICE_CATALOG,
        hooks={report_step_failure},
        config=RUN_LOGGER_CONFIG,
        selection=AssetSelection.assets("templates", "base_costs"),
        executor_def=in_process_executor,
        tags=mode_tags(mode),
        description="Re-price every artwork: refresh Gelato's templates and unit costs, then the sensor "
        "reprice_after_cost_refresh re-prices all artworks in a few range runs. Add the tag pod/dry_run=true "
        "for a drift report that writes nothing.",
    )


@functools.cache
def reprice_prices_job(mode: str):
    return define_asset_job(
        name=REPRICE_PRICES,
        hooks={report_step_failure},
        config=RUN_LOGGER_CONFIG,
        selection=AssetSelection.assets("prices"),
        executor_def=in_process_executor,
        tags=mode_tags(mode),
        description="Re-price a range of artworks from the cached unit costs (launched as range runs by "
        "reprice_after_cost_refresh, or as a backfill of `prices` from the UI).",
    )
