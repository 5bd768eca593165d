"""Refreshing the Gelato cache: the job, and the nightly schedule that runs it."""

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job, in_process_executor

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

refresh_gelato_cache_daily = ScheduleDefinition(
    job=refresh_gelato_cache_job,
    cron_schedule="0 4 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Refresh Gelato templates and unit costs every night.",
)
