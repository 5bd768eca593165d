"""The publish job: one artwork (its partition) or a batch of new ones (a range run)."""

import functools

from dagster import AssetSelection

from pod_pipeline.defs.publishing.hooks import record_artwork_failure
from pod_pipeline.defs.runs import RunMode, pipeline_job

PUBLISH_ARTWORK = "publish_artwork"
PER_ARTWORK_ASSETS = AssetSelection.assets("artworks", "variants", "listing", "print_files", "prices",
                                           "published_products")

# `prices` allows 10,000 artworks per run (re-pricing) and the other per-artwork assets a batch
# (MAX_BATCH_SIZE); the upload sensor sizes this job's range runs itself, so Dagster's "varying
# BackfillPolicies" notice when the code location loads is expected (the tests silence it in
# pyproject.toml; library code sets no warning filters).
# A run covers one artwork or a batch of new ones (a range run; `batch.py` isolates each artwork).
@functools.cache
def publish_artwork_job(mode: RunMode):
    return pipeline_job(
        PUBLISH_ARTWORK, PER_ARTWORK_ASSETS, mode,
        "Turn uploaded artworks (one, or a batch of new ones as a range run) into live store "
        "products: validate, fit, copy, price, publish; each artwork stops on its own.",
        hooks={record_artwork_failure})
