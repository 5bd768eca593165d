"""The Dagster code location: assets, checks, jobs, sensor, schedule and resources."""

from __future__ import annotations

import logging
import os
from typing import Mapping

from dagster import (
    DefaultScheduleStatus,
    Definitions,
    ScheduleDefinition,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from pod_pipeline.assets import artworks, catalog_refresh, funnel, metadata, prices, published_products, variants
from pod_pipeline.jobs import publish_artwork_job, refresh_gelato_cache_job, reprice_catalog_job, reprice_prices_job
from pod_pipeline.mode import build_resources, current_mode
from pod_pipeline.observability import configure_process_logging, init_sentry, pod_logger
from pod_pipeline.schedules.funnel import funnel_schedule, refresh_funnel_job
from pod_pipeline.sensors.repricing import build_reprice_schedule, reprice_after_cost_refresh, reprice_cron
from pod_pipeline.sensors.product_status import product_status_sensor
from pod_pipeline.sensors.uploads import upload_sensor

refresh_gelato_cache_daily = ScheduleDefinition(
    job=refresh_gelato_cache_job,
    cron_schedule="0 4 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Refresh Gelato templates and unit costs every night.",
)


def build_definitions(env: Mapping[str, str] = os.environ) -> Definitions:
    """The whole code location for one environment (tests and the demo pass their own)."""
    init_sentry(env)  # a no-op without SENTRY_DSN; runs in code servers and run workers
    if env.get("POD_LOG_FORMAT"):  # module logs (the sensors' following, publishing) in the code server
        configure_process_logging(env, logger_name="pod_pipeline")
    logging.getLogger(__name__).info("pod_pipeline mode: %s", current_mode(env).description)
    return Definitions(
        assets=load_assets_from_modules([catalog_refresh, artworks, variants, metadata, prices, published_products,
                                         funnel]),
        asset_checks=load_asset_checks_from_modules([funnel]),
        jobs=[publish_artwork_job, refresh_gelato_cache_job, reprice_catalog_job, reprice_prices_job, refresh_funnel_job],
        sensors=[upload_sensor, product_status_sensor, reprice_after_cost_refresh],
        schedules=[refresh_gelato_cache_daily, build_reprice_schedule(reprice_cron(env.get("POD_SETTINGS"))),
                   funnel_schedule],
        loggers={"console": pod_logger},
        resources=build_resources(env),
    )


defs = build_definitions()
