"""Copy per marketplace: each marketplace's rules in code, a roomier marketplace's own title and
tags checked and repaired under its rules, and one Claude request giving every version."""

from __future__ import annotations

import pytest

from pod_pipeline.listing.claude import ClaudeCopywriter
from pod_pipeline.listing.marketplaces import marketplace_rules, own_copy_for
from pod_pipeline.listing.model import MarketplaceCopy
from pod_pipeline.listing.offline import OfflineCopywriter
from pod_pipeline.listing.rules import listing_violations, repair_listing
from pod_pipeline_tests.listing.builders import default_rules, make_request, valid_listing
from pod_pipeline_tests.listing.claude.conftest import MODEL

SHOPIFY_TITLE = "Sunset Over Dunes Art Print: Warm Orange Desert Wall Art for Living Room & Office, Poster, T-shirt, Mug"


def shopify(**changes) -> MarketplaceCopy:
    fields = {"title": SHOPIFY_TITLE, "tags": ["sunset desert wall art for living rooms", "orange decor"]}
    return MarketplaceCopy(**{**fields, **changes})


def test_each_marketplace_has_its_rules():
    etsy, shop, woo = (marketplace_rules(m, default_rules()) for m in ("etsy", "shopify", "woocommerce"))
    assert (etsy.title_max, etsy.tag_max_chars, etsy.charset) == (140, 20, "etsy")
    assert (shop.title_max, shop.tags_max, shop.tag_max_chars, shop.charset) == (255, 13, 255, "plain")
    assert woo.title_max == 140 and woo.charset == "etsy"  # undocumented: the strictest rules
    assert shop.banned_words == default_rules().banned_words
    assert own_copy_for(["etsy", "shopify", "etsy", "woocommerce"]) == ["shopify"]


def test_a_shopify_title_etsy_would_refuse_is_valid_in_its_own_version():
    listing = valid_listing(marketplaces={"shopify": shopify()})
    assert len(SHOPIFY_TITLE) > 100 and SHOPIFY_TITLE.count(",") > 1
    assert listing_violations(listing, default_rules(), ["shopify"]) == []
    on_shopify = listing.for_marketplace("shopify")
    assert (on_shopify.title, on_shopify.description_html) == (SHOPIFY_TITLE, listing.description_html)
    assert listing.for_marketplace("etsy").title == listing.title and not listing.for_marketplace("etsy").marketplaces


@pytest.mark.parametrize("own, problem", [
    (shopify(title="x" * 256), "shopify title is 256 characters"),
    (shopify(title="Sunset\nDunes"), "shopify title contains control characters"),
    (shopify(tags=["sunset, dunes"]), "characters Shopify rejects"),
    (shopify(tags=[f"tag {n}" for n in range(14)]), "14 shopify tags given; the limit is 13"),
    (shopify(tags=["Dunes art", "dunes ART"]), "duplicates"),
    (shopify(title="Mickey Disney Sunset"), "shopify title contains banned word 'disney'"),
    (shopify(tags=["marvel fan art"]), "banned word 'marvel'"),
])
def test_hostile_marketplace_versions_are_named_and_repaired(own, problem):
    listing = valid_listing(marketplaces={"shopify": own})
    problems = listing_violations(listing, default_rules(), ["shopify"])
    assert any(problem in p for p in problems), problems
    repaired = repair_listing(listing, default_rules(), ["shopify"])
    assert listing_violations(repaired, default_rules(), ["shopify"]) == []
    assert repaired.marketplaces["shopify"].title  # never emptied into the shared copy


def test_a_missing_version_is_a_violation_and_repair_uses_the_shared_copy():
    listing = valid_listing()
    assert listing_violations(listing, default_rules(), ["shopify"]) == ["no shopify version (its own title and tags)"]
    repaired = repair_listing(listing, default_rules(), ["shopify"])
    assert repaired.marketplaces["shopify"].title == listing.title


def test_offline_writes_a_different_shopify_version_that_passes():
    result = OfflineCopywriter(default_rules()).write(make_request(marketplaces=["shopify"]))
    own = result.listing.marketplaces["shopify"]
    assert result.prompt_version == "offline-2"
    assert own.title != result.listing.title and set(own.tags) != set(result.listing.tags)
    # Each product keeps a title of its own in the store (never three products of one name).
    assert len(set(own.product_titles.values())) == len(own.product_titles) == 3
    assert set(own.product_titles.values()).isdisjoint(result.listing.product_titles.values())
    assert listing_violations(result.listing, default_rules(), ["shopify"]) == []
    single = OfflineCopywriter(default_rules()).write(make_request())
    assert single.prompt_version == "offline-1" and not single.listing.marketplaces


def test_one_claude_request_returns_every_version(fake, client, big_preview):
    fake.reply_tool({**valid_listing().model_dump(exclude={"marketplaces"}),
                     "marketplaces": {"shopify": shopify().model_dump(), "amazon": {"title": "x", "tags": []}}})
    result = ClaudeCopywriter(client, MODEL, default_rules()).write(
        make_request(preview_jpeg=big_preview, marketplaces=["shopify"]))
    assert len(fake.message_requests) == 1
    assert result.prompt_version == "claude-listing-4"
    assert set(result.listing.marketplaces) == {"shopify"}  # a version nobody asked for is dropped
    body = fake.message_requests[0]
    schema = body["tools"][0]["input_schema"]
    assert "marketplaces" in schema["required"] and schema["properties"]["marketplaces"]["required"] == ["shopify"]
    assert "marketplaces.shopify" in body["messages"][0]["content"][-1]["text"]


def test_a_claude_reply_without_the_version_is_asked_again(fake, client, big_preview):
    fake.reply_tool(valid_listing().model_dump(exclude={"marketplaces"}))
    fake.reply_tool({**valid_listing().model_dump(exclude={"marketplaces"}),
                     "marketplaces": {"shopify": shopify().model_dump()}})
    result = ClaudeCopywriter(client, MODEL, default_rules()).write(
        make_request(preview_jpeg=big_preview, marketplaces=["shopify"]))
    assert len(fake.message_requests) == 2 and result.listing.marketplaces["shopify"].title == SHOPIFY_TITLE
    resent = fake.message_requests[1]["messages"][-1]["content"][0]["content"]
    assert "no shopify version" in resent


def test_one_copy_requests_are_sent_as_before(fake, client, big_preview):
    fake.reply_tool(valid_listing().model_dump(exclude={"marketplaces"}))
    result = ClaudeCopywriter(client, MODEL, default_rules()).write(make_request(preview_jpeg=big_preview))
    schema = fake.message_requests[0]["tools"][0]["input_schema"]
    assert result.prompt_version == "claude-listing-3" and "marketplaces" not in schema["properties"]


def test_the_same_request_returns_the_subjects_box_for_the_print_crops(fake, client, big_preview):
    fake.reply_tool({**valid_listing().model_dump(exclude={"marketplaces", "subject_box"}),
                     "subject_box": [0.1, 0.2, 0.6, 0.9]})
    result = ClaudeCopywriter(client, MODEL, default_rules()).write(make_request(preview_jpeg=big_preview))
    assert len(fake.message_requests) == 1 and result.listing.subject_box == [0.1, 0.2, 0.6, 0.9]
    schema = fake.message_requests[0]["tools"][0]["input_schema"]
    assert "subject_box" in schema["properties"] and "subject_box" not in schema["required"]
