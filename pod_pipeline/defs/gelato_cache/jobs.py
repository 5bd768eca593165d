"""Refreshing the Gelato cache by hand or when it is empty (the upload and status sensors ask
for it); the nightly refresh is the assets' own automation condition (`defs/automation.py`)."""

import functools

from dagster import AssetSelection

from pod_pipeline.defs.runs import RunMode, pipeline_job

REFRESH_GELATO_CACHE = "refresh_gelato_cache"


@functools.cache
def refresh_gelato_cache_job(mode: RunMode):
    return pipeline_job(REFRESH_GELATO_CACHE, AssetSelection.assets("templates", "base_costs"), mode,
                        "Fetch the configured Gelato templates and their unit costs.")
