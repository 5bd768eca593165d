"""The publish job: one artwork (its partition) or a batch of new ones (a range run)."""

import functools

from dagster import AssetSelection, define_asset_job, in_process_executor

from pod_pipeline.defs.publishing.hooks import record_artwork_failure
from pod_pipeline.defs.runs import mode_tags
from pod_pipeline.observability import RUN_LOGGER_CONFIG, report_step_failure

PUBLISH_ARTWORK = "publish_artwork"
PER_ARTWORK_ASSETS = AssetSelection.assets("artworks", "variants", "listing", "prices", "published_products")

# `prices` allows 10,000 artworks per run (re-pricing) and the other per-artwork assets a batch
# (MAX_BATCH_SIZE); the upload sensor sizes this job's range runs itself, so Dagster's "varying
# BackfillPolicies" notice when the code location loads is expected (the tests silence it in
# pyproject.toml; library code sets no warning filters).
# API-bound work: in-process, because a process per step costs more than the step itself. A run
# covers one artwork or a batch of new ones (a range run; `batch.py` isolates each artwork).
@functools.cache
def publish_artwork_job(mode: str):
    return define_asset_job(
        name=PUBLISH_ARTWORK,
        selection=PER_ARTWORK_ASSETS,
        executor_def=in_process_executor,
        hooks={record_artwork_failure, report_step_failure},
        config=RUN_LOGGER_CONFIG,
        tags=mode_tags(mode),
        description="Turn uploaded artworks (one, or a batch of new ones as a range run) into live store "
        "products: validate, fit, copy, price, publish; each artwork stops on its own.",
    )
