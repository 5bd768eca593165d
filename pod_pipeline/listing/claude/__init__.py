"""The production copywriter on the Anthropic Messages API (see writer.py)."""

from pod_pipeline.listing.claude.batch import BATCH_PRICE_FACTOR, BatchOutcome, run_batch
from pod_pipeline.listing.claude.cache import CachedCopyResult, CachedCopywriter, cache_key
from pod_pipeline.listing.claude.client import build_client, check_model
from pod_pipeline.listing.claude.prompt import PROMPT_VERSION, prepare_image
from pod_pipeline.listing.claude.writer import (
    PRICES_PER_MTOK,
    ClaudeCopywriter,
    CopywriterConfigError,
    estimate_cost,
)

__all__ = [
    "BATCH_PRICE_FACTOR",
    "BatchOutcome",
    "run_batch",
    "PRICES_PER_MTOK",
    "PROMPT_VERSION",
    "CachedCopyResult",
    "CachedCopywriter",
    "ClaudeCopywriter",
    "CopywriterConfigError",
    "build_client",
    "cache_key",
    "check_model",
    "estimate_cost",
    "prepare_image",
]
