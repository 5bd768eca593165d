"""Storefronts' wiring: the `storefront_prices` asset, its job and the sensor that starts it."""

from dagster import Definitions

from pod_pipeline.defs.storefronts.assets import storefront_prices
from pod_pipeline.defs.storefronts.jobs import push_storefront_prices_job
from pod_pipeline.defs.storefronts.sensor import storefront_price_sensor
from pod_pipeline.defs.runs import RunMode


def build(mode: RunMode) -> Definitions:
    return Definitions(assets=[storefront_prices], jobs=[push_storefront_prices_job(mode)],
                       sensors=[storefront_price_sensor(mode)])
