"""Refreshing the Gelato cache by hand or when it is empty (the upload and status sensors ask
for it); the nightly refresh is the assets' own automation condition (`defs/automation.py`)."""

from dagster import AssetSelection, define_asset_job, in_process_executor

from pod_pipeline.defs.runs import MODE_TAGS
from pod_pipeline.observability import RUN_LOGGER_CONFIG, report_step_failure

refresh_gelato_cache_job = define_asset_job(
    name="refresh_gelato_cache",
    hooks={report_step_failure},
    config=RUN_LOGGER_CONFIG,
    selection=AssetSelection.assets("templates", "base_costs"),
    executor_def=in_process_executor,
    tags=MODE_TAGS,
    description="Fetch the configured Gelato templates and their unit costs.",
)
