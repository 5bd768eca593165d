"""Operations' wiring: the `funnel` asset with its stuck-artwork check, refreshed hourly."""

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from pod_pipeline.defs.operations import funnel
from pod_pipeline.defs.operations.jobs import funnel_schedule, refresh_funnel_job


def build() -> Definitions:
    return Definitions(assets=load_assets_from_modules([funnel]), asset_checks=load_asset_checks_from_modules([funnel]),
                       jobs=[refresh_funnel_job], schedules=[funnel_schedule])
