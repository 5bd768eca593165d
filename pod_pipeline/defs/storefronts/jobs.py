"""The job that pushes due prices to the store's marketplace (started by `storefront_price_sensor`)."""

import functools

from dagster import AssetSelection

from pod_pipeline.defs.runs import RunMode, pipeline_job

PUSH_STOREFRONT_PRICES = "push_storefront_prices"


@functools.cache
def push_storefront_prices_job(mode: RunMode):
    return pipeline_job(PUSH_STOREFRONT_PRICES, AssetSelection.assets("storefront_prices"), mode,
                        "Push every due retail price (new live products, re-priced variants, earlier "
                        "failures past their back-off) to the store's marketplace.")
