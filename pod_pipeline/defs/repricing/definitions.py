"""Re-pricing's wiring: its jobs, the schedule (cron from the seller's settings) and the sensor
that fans a cost refresh out into range runs of `prices`."""

from typing import Mapping

from dagster import Definitions

from pod_pipeline.defs.repricing.jobs import reprice_catalog_job, reprice_prices_job
from pod_pipeline.defs.repricing.triggers import build_reprice_schedule, reprice_after_cost_refresh, reprice_cron


def build(env: Mapping[str, str]) -> Definitions:
    return Definitions(jobs=[reprice_catalog_job, reprice_prices_job], sensors=[reprice_after_cost_refresh],
                       schedules=[build_reprice_schedule(reprice_cron(env.get("POD_SETTINGS")))])
