"""Operations' wiring: the `funnel` asset with its stuck-artwork check, refreshed hourly by their
automation conditions (`defs/automation.py`), a job to refresh them now, and the hourly
retirement of settled artworks' partitions."""

import functools

from dagster import AssetSelection, Definitions, load_asset_checks_from_modules, load_assets_from_modules

from pod_pipeline.defs.operations import funnel
from pod_pipeline.defs.operations.retirement import partition_retirement_sensor
from pod_pipeline.defs.runs import RunMode, pipeline_job


@functools.cache
def refresh_funnel_job(mode: RunMode):
    return pipeline_job(
        "refresh_funnel", AssetSelection.assets(funnel.funnel), mode,
        "The upload funnel and its stuck-artwork check, now rather than at the next hour (the demo "
        "launches it at its end; an operator can from the Launchpad).")


def build(mode: RunMode) -> Definitions:
    return Definitions(assets=load_assets_from_modules([funnel]), asset_checks=load_asset_checks_from_modules([funnel]),
                       jobs=[refresh_funnel_job(mode)], sensors=[partition_retirement_sensor(mode)])
