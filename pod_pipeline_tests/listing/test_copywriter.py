"""The copywriter contract shared by the offline and Claude copywriters."""

from __future__ import annotations

import pytest

from pod_pipeline.listing import (
    CopyRejected,
    CopyResult,
    Copywriter,
    OfflineCopywriter,
    effective_rules,
    ensure_valid,
)
from pod_pipeline.settings import ListingRules
from pod_pipeline_tests.listing.builders import make_request, valid_listing


def test_offline_copywriter_satisfies_the_protocol():
    assert isinstance(OfflineCopywriter(), Copywriter)
    assert OfflineCopywriter().name == "offline"


def test_offline_provenance_is_zero_cost():
    result = OfflineCopywriter().write(make_request())
    assert isinstance(result, CopyResult)
    assert (result.copywriter, result.model, result.prompt_version) == ("offline", None, "offline-1")
    assert (result.input_tokens, result.output_tokens, result.cost_usd, result.request_id) == (0, 0, 0.0, None)


def test_request_banned_words_add_to_the_sellers():
    rules = effective_rules(ListingRules(banned_words=["disney"]), make_request(banned_words=["lego", "disney"]))
    assert rules.banned_words == ["disney", "lego"]
    assert rules.title_max == 140


def test_ensure_valid_passes_a_good_listing_through():
    listing = valid_listing()
    assert ensure_valid(listing, ListingRules()) == (listing, False)


def test_ensure_valid_repairs_when_it_can():
    listing, repaired = ensure_valid(valid_listing(title="Sunset $ Print"), ListingRules())
    assert (listing.title, repaired) == ("Sunset Print", True)


def test_ensure_valid_rejects_what_repair_cannot_fix():
    with pytest.raises(CopyRejected) as caught:
        ensure_valid(valid_listing(description_html="<script>only code</script>"), ListingRules())
    assert caught.value.reason == "listing breaks the rules even after repair"
    assert caught.value.violations == ["description is empty"]
    assert "description is empty" in str(caught.value)
