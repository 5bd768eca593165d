"""Re-pricing jobs: a cost refresh that starts a re-pricing, and range runs of `prices`."""

from dagster import AssetSelection, define_asset_job, in_process_executor

from pod_pipeline.defs.runs import MODE_TAGS
from pod_pipeline.observability import RUN_LOGGER_CONFIG, report_step_failure

reprice_catalog_job = define_asset_job(
    name="reprice_catalog",
    hooks={report_step_failure},
    config=RUN_LOGGER_CONFIG,
    selection=AssetSelection.assets("templates", "base_costs"),
    executor_def=in_process_executor,
    tags=MODE_TAGS,
    description="Re-price every artwork: refresh Gelato's templates and unit costs, then the sensor "
    "reprice_after_cost_refresh re-prices all artworks in a few range runs. Add the tag pod/dry_run=true "
    "for a drift report that writes nothing.",
)


reprice_prices_job = define_asset_job(
    name="reprice_prices",
    hooks={report_step_failure},
    config=RUN_LOGGER_CONFIG,
    selection=AssetSelection.assets("prices"),
    executor_def=in_process_executor,
    tags=MODE_TAGS,
    description="Re-price a range of artworks from the cached unit costs (launched as range runs by "
    "reprice_after_cost_refresh, or as a backfill of `prices` from the UI).",
)
