"""The Gelato cache's wiring: `templates` and `base_costs` (refreshed nightly by their automation
condition) and the job the sensors launch when the cache is empty."""

from dagster import Definitions, load_assets_from_modules

from pod_pipeline.defs.gelato_cache import assets
from pod_pipeline.defs.gelato_cache.jobs import refresh_gelato_cache_job
from pod_pipeline.defs.runs import RunMode


def build(mode: RunMode) -> Definitions:
    return Definitions(assets=load_assets_from_modules([assets]), jobs=[refresh_gelato_cache_job(mode)])
