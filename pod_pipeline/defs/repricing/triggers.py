"""Scheduled re-pricing: a schedule refreshes Gelato's costs, then a run-status sensor re-prices
every artwork as a few range runs of `prices`.

Why two steps: a schedule cannot order the runs it requests (nor launch a backfill), and every
range run must read the *refreshed* costs. So the schedule requests the cost refresh
(`reprice_catalog`) and, when that run succeeds, `reprice_after_cost_refresh` requests one range
run per REPRICE_RUN_SIZE artworks (partition insertion order), each with a run key, so a
re-evaluated tick never launches the same range twice. Launching `reprice_catalog` by hand from
the UI takes the same path.
"""

from __future__ import annotations

import functools

from dagster import (
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    ScheduleEvaluationContext,
    SkipReason,
    run_status_sensor,
    schedule,
)

from pod_pipeline.defs.dagster_private import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from pod_pipeline.defs.repricing.jobs import REPRICE_PRICES, reprice_catalog_job, reprice_prices_job
from pod_pipeline.defs.resources import SettingsResource
from pod_pipeline.observability import with_run_logger
from pod_pipeline.defs.runs import DRY_RUN_TAG, REPRICE_RUN_SIZE, REPRICE_TAG, RunMode, artworks_partitions
from pod_pipeline.settings import SettingsError

DEFAULT_CRON = "0 5 * * 1"


def reprice_cron(settings: SettingsResource) -> str:
    """The cron from the seller's settings; the default when they cannot be read (the code
    location must still load so the UI can show what is wrong)."""
    try:
        return settings.load().pricing.repricing.schedule
    except SettingsError:
        return DEFAULT_CRON


def range_requests(keys: list[str], reprice_id: str, dry_run: bool, size: int = REPRICE_RUN_SIZE) -> list[RunRequest]:
    requests = []
    for start in range(0, len(keys), size):
        chunk = keys[start:start + size]
        requests.append(RunRequest(
            run_key=f"{reprice_id}:{chunk[0]}..{chunk[-1]}",
            job_name=REPRICE_PRICES,
            run_config=with_run_logger(),
            tags={ASSET_PARTITION_RANGE_START_TAG: chunk[0], ASSET_PARTITION_RANGE_END_TAG: chunk[-1], REPRICE_TAG: reprice_id,
                  DRY_RUN_TAG: str(dry_run).lower()},
        ))
    return requests


@functools.cache
def build_reprice_schedule(cron: str, mode: RunMode):
    @schedule(job=reprice_catalog_job(mode), cron_schedule=cron, default_status=DefaultScheduleStatus.RUNNING,
              description="Re-price the catalog: refresh Gelato's costs, then re-price every artwork "
              "(pricing.repricing in the settings: policy, schedule, dry_run).")
    def reprice_schedule(context: ScheduleEvaluationContext, settings: SettingsResource):
        seller = settings.load()
        reprice_id = f"reprice-{context.scheduled_execution_time:%Y-%m-%dT%H%M}"
        return RunRequest(run_key=reprice_id, run_config=with_run_logger(), tags={REPRICE_TAG: reprice_id,
                                                    DRY_RUN_TAG: str(seller.pricing.repricing.dry_run).lower()})
    return reprice_schedule


@functools.cache
def reprice_after_cost_refresh(mode: RunMode):
    return run_status_sensor(
        name="reprice_after_cost_refresh",
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=[reprice_catalog_job(mode)],
        request_job=reprice_prices_job(mode),
        default_status=DefaultSensorStatus.RUNNING,
        description="After a successful cost refresh for re-pricing, requests range runs of `prices` over "
        "every artwork (a few runs, not one per artwork).",
    )(fan_out)


def fan_out(context: RunStatusSensorContext):
    refresh = context.dagster_run
    reprice_id = refresh.tags.get(REPRICE_TAG) or f"reprice-{refresh.run_id[:8]}"
    dry_run = refresh.tags.get(DRY_RUN_TAG, "false").lower() == "true"
    keys = list(context.instance.get_dynamic_partitions(artworks_partitions.name))
    if not keys:
        return SkipReason("no artworks to re-price")
    requests = range_requests(keys, reprice_id, dry_run)
    context.log.info(f"{reprice_id}: {len(keys)} artworks in {len(requests)} range runs"
                     f"{' (dry run)' if dry_run else ''}")
    return requests
