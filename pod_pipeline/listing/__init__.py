"""Listing copy: the copywriter interface, Etsy's rules in code, and the offline copywriter.

The pipeline builds a `CopyRequest`, asks a `Copywriter` for a `CopyResult`, and publishes
`result.listing`, which always passes `listing_violations` (or the copywriter raised
`CopyRejected`).
"""

from pod_pipeline.listing.copywriter import CopyRejected, CopyResult, Copywriter, effective_rules, ensure_valid
from pod_pipeline.listing.model import CopyRequest, Listing, ProductBrief
from pod_pipeline.listing.offline import OFFLINE_PROMPT_VERSION, OfflineCopywriter
from pod_pipeline.listing.rules import (
    ALT_TEXT_MAX,
    listing_violations,
    listing_warnings,
    repair_listing,
    sanitize_description_html,
)

__all__ = [
    "ALT_TEXT_MAX",
    "OFFLINE_PROMPT_VERSION",
    "CopyRejected",
    "CopyRequest",
    "CopyResult",
    "Copywriter",
    "Listing",
    "OfflineCopywriter",
    "ProductBrief",
    "effective_rules",
    "ensure_valid",
    "listing_violations",
    "listing_warnings",
    "repair_listing",
    "sanitize_description_html",
]
