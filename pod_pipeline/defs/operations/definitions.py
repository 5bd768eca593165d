"""Operations' wiring: the `funnel` asset with its stuck-artwork check, refreshed hourly by their
automation conditions (`defs/automation.py`)."""

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from pod_pipeline.defs.operations import funnel


def build() -> Definitions:
    return Definitions(assets=load_assets_from_modules([funnel]), asset_checks=load_asset_checks_from_modules([funnel]))
