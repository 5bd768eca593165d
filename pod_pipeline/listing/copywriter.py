"""The copywriter interface: offline (deterministic, free) and Claude implement the same one.

A copywriter turns a `CopyRequest` into a `CopyResult` whose listing passes
`listing_violations`, or raises `CopyRejected`. It never returns a listing that breaks the
rules: the pipeline publishes what it gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from pod_pipeline.listing.model import CopyRequest, Listing
from pod_pipeline.listing.rules import listing_violations, repair_listing
from pod_pipeline.settings.model import ListingRules


class CopyResult(BaseModel):
    """A valid listing plus where it came from (kept with the asset for audits and cost)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    listing: Listing
    copywriter: str = Field(description='Name of the copywriter, e.g. "offline" or "claude".')
    model: str | None = Field(default=None, description="Model id; None when no model was used.")
    prompt_version: str = Field(default="", description="Bumped whenever the prompt or generator changes.")
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    cost_usd: float = Field(default=0.0, ge=0, description="Estimate from token counts and list prices.")
    request_id: str | None = Field(default=None, description="Provider request id, for support tickets.")
    repaired: bool = Field(default=False, description="True if `repair_listing` had to fix the copy.")


class CopywriterConfigError(Exception):
    """A mistake only a person can fix (key, model id, permissions, request shape): retrying
    cannot help, so the asset turns it into a non-retryable failure. Defined here, beside the
    interface, so callers need not import the Anthropic SDK to catch it."""


class CopyRejected(Exception):
    """The copywriter could not produce a listing that passes the rules (or refused to)."""

    def __init__(self, reason: str, violations: list[str] | None = None) -> None:
        self.reason = reason
        self.violations = list(violations or [])
        detail = f": {'; '.join(self.violations)}" if self.violations else ""
        super().__init__(f"{reason}{detail}")


@runtime_checkable
class Copywriter(Protocol):
    name: str

    def write(self, request: CopyRequest) -> CopyResult: ...


def effective_rules(rules: ListingRules, request: CopyRequest) -> ListingRules:
    """The copywriter's limits with the request's banned words added and its brand voice, so
    a per-artwork banned list can only tighten the seller's."""
    banned = list(dict.fromkeys([*rules.banned_words, *request.banned_words]))
    return rules.model_copy(update={"banned_words": banned, "brand_voice": request.brand_voice})


def ensure_valid(listing: Listing, rules: ListingRules, wanted: Sequence[str] = ()) -> tuple[Listing, bool]:
    """Return (listing, repaired?) that passes the rules, with a version for each `wanted`
    marketplace: as-is if it does, else after `repair_listing`. Raises `CopyRejected` when even
    the repaired listing fails."""
    if not listing_violations(listing, rules, wanted):
        return listing, False
    repaired = repair_listing(listing, rules, wanted)
    if problems := listing_violations(repaired, rules, wanted):
        raise CopyRejected("listing breaks the rules even after repair", problems)
    return repaired, True
