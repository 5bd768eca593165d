"""Jobs: publishing one artwork (its partition), refreshing the shared Gelato cache, and
re-pricing the catalog (a cost refresh, then range runs of `prices`)."""

import warnings

from dagster import AssetSelection, define_asset_job, in_process_executor

from pod_pipeline.hooks import record_artwork_failure
from pod_pipeline.mode import current_mode
from pod_pipeline.observability import RUN_LOGGER_CONFIG, report_step_failure

# The mode shows on every run in the UI, so nobody mistakes a sandbox run for a real one.
MODE_TAGS = {"pod/mode": current_mode().name}

# `prices` allows 10,000 artworks per run (re-pricing) and the other per-artwork assets a batch
# (MAX_BATCH_SIZE); the upload sensor sizes publish_artwork's range runs itself, so Dagster's
# "varying BackfillPolicies" notice says nothing an operator can act on.
warnings.filterwarnings("ignore", message="Asset job publish_artwork materializes assets with varying BackfillPolicies")

PER_ARTWORK_ASSETS = AssetSelection.assets("artworks", "variants", "metadata", "prices", "published_products")

# API-bound work: in-process, because a process per step costs more than the step itself. A run
# covers one artwork or a batch of new ones (a range run; `batch.py` isolates each artwork).
publish_artwork_job = define_asset_job(
    name="publish_artwork",
    selection=PER_ARTWORK_ASSETS,
    executor_def=in_process_executor,
    hooks={record_artwork_failure, report_step_failure},
    config=RUN_LOGGER_CONFIG,
    tags=MODE_TAGS,
    description="Turn uploaded artworks (one, or a batch of new ones as a range run) into live store "
    "products: validate, fit, copy, price, publish; each artwork stops on its own.",
)

refresh_gelato_cache_job = define_asset_job(
    name="refresh_gelato_cache",
    hooks={report_step_failure},
    config=RUN_LOGGER_CONFIG,
    selection=AssetSelection.assets("templates", "base_costs"),
    executor_def=in_process_executor,
    tags=MODE_TAGS,
    description="Fetch the configured Gelato templates and their unit costs.",
)

reprice_catalog_job = define_asset_job(
    name="reprice_catalog",
    hooks={report_step_failure},
    config=RUN_LOGGER_CONFIG,
    selection=AssetSelection.assets("templates", "base_costs"),
    executor_def=in_process_executor,
    tags=MODE_TAGS,
    description="Re-price every artwork: refresh Gelato's templates and unit costs, then the sensor "
    "reprice_after_cost_refresh re-prices all artworks in a few range runs. Add the tag pod/dry_run=true "
    "for a drift report that writes nothing.",
)

reprice_prices_job = define_asset_job(
    name="reprice_prices",
    hooks={report_step_failure},
    config=RUN_LOGGER_CONFIG,
    selection=AssetSelection.assets("prices"),
    executor_def=in_process_executor,
    tags=MODE_TAGS,
    description="Re-price a range of artworks from the cached unit costs (launched as range runs by "
    "reprice_after_cost_refresh, or as a backfill of `prices` from the UI).",
)
