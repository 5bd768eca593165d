"""Refreshing the operations funnel every hour: the `funnel` asset and its stuck-artwork check."""

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job, in_process_executor

from pod_pipeline.defs.runs import MODE_TAGS

# The selection takes the asset's checks along, so each refresh also looks for stuck artworks.
refresh_funnel_job = define_asset_job(
    name="refresh_funnel",
    selection=AssetSelection.assets("funnel"),
    executor_def=in_process_executor,  # two catalog queries: a process per step would cost more
    tags=MODE_TAGS,
    description="Count how far the recent uploads got (upload to live) and look for artworks left waiting.",
)

funnel_schedule = ScheduleDefinition(
    name="funnel_schedule",
    job=refresh_funnel_job,
    cron_schedule="0 * * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Refresh the upload funnel every hour, so its counts plot over time.",
)
