"""Re-pricing's wiring: its jobs, the schedule (cron from the seller's settings) and the sensor
that fans a cost refresh out into range runs of `prices`."""

from dagster import Definitions

from pod_pipeline.defs.repricing.jobs import reprice_catalog_job, reprice_prices_job
from pod_pipeline.defs.repricing.triggers import build_reprice_schedule, reprice_after_cost_refresh, reprice_cron
from pod_pipeline.defs.resources import SettingsResource
from pod_pipeline.defs.runs import RunMode


def build(mode: RunMode, settings: SettingsResource) -> Definitions:
    return Definitions(jobs=[reprice_catalog_job(mode), reprice_prices_job(mode)],
                       sensors=[reprice_after_cost_refresh(mode)],
                       schedules=[build_reprice_schedule(reprice_cron(settings), mode)])
