"""Jobs: publishing one artwork (its partition), and refreshing the shared Gelato cache."""

from dagster import AssetSelection, define_asset_job, in_process_executor

from pod_pipeline.hooks import record_artwork_failure
from pod_pipeline.mode import current_mode

# The mode shows on every run in the UI, so nobody mistakes a sandbox run for a real one.
MODE_TAGS = {"pod/mode": current_mode().name}

PER_ARTWORK_ASSETS = AssetSelection.assets("artworks", "variants", "metadata", "prices", "published_products")

# API-bound work: in-process, because a process per step costs more than the step itself.
publish_artwork_job = define_asset_job(
    name="publish_artwork",
    selection=PER_ARTWORK_ASSETS,
    executor_def=in_process_executor,
    hooks={record_artwork_failure},
    tags=MODE_TAGS,
    description="Turn one uploaded artwork into live store products: validate, fit, copy, price, publish.",
)

refresh_gelato_cache_job = define_asset_job(
    name="refresh_gelato_cache",
    selection=AssetSelection.assets("templates", "base_costs"),
    executor_def=in_process_executor,
    tags=MODE_TAGS,
    description="Fetch the configured Gelato templates and their unit costs.",
)
