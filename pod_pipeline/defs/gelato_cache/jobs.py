"""Refreshing the Gelato cache by hand or when it is empty (the upload and status sensors ask
for it); the nightly refresh is the assets' own automation condition (`defs/automation.py`)."""

import functools

from dagster import AssetSelection, define_asset_job, in_process_executor

from pod_pipeline.defs.runs import mode_tags
from pod_pipeline.observability import RUN_LOGGER_CONFIG, report_step_failure

REFRESH_GELATO_CACHE = "refresh_gelato_cache"


@functools.cache
def refresh_gelato_cache_job(mode: str):
    return define_asset_job(
        name=REFRESH_GELATO_CACHE,
        hooks={report_step_failure},
        config=RUN_LOGGER_CONFIG,
        selection=AssetSelection.assets("templates", "base_costs"),
        executor_def=in_process_executor,
        tags=mode_tags(mode),
        description="Fetch the configured Gelato templates and their unit costs.",
    )
