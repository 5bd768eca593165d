"""listing_violations: each Etsy rule is caught with a message naming the problem."""

from __future__ import annotations

import pytest

from pod_pipeline.listing import ALT_TEXT_MAX, listing_violations, listing_warnings
from pod_pipeline.settings import ListingRules
from pod_pipeline_tests.listing.builders import default_rules, valid_listing


def test_valid_listing_has_no_violations():
    assert listing_violations(valid_listing(), default_rules()) == []


def test_etsy_limits_are_exactly_allowed():
    listing = valid_listing(
        title="A" * 140,
        tags=[f"tag {letter}" + "x" * 15 for letter in "abcdefghijklm"],  # 13 tags of 20 chars
        alt_text="a" * ALT_TEXT_MAX,
    )
    assert all(len(tag) == 20 for tag in listing.tags)
    assert listing_violations(listing, default_rules()) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": ""}, "title is empty"),
        ({"title": "   "}, "title is empty"),
        ({"title": "A" * 141}, "title is 141 characters; the limit is 140"),
        ({"title": "Cheap $5 Print"}, "title contains '$', which Etsy rejects"),
        ({"title": "Print ^ Art"}, "title contains '^', which Etsy rejects"),
        ({"title": "Print `Art`"}, "title contains '`', which Etsy rejects"),
        ({"title": "Print \\ Art"}, "title contains '\\\\', which Etsy rejects"),
        ({"title": "Art: Print: Poster"}, "title uses ':' 2 times; Etsy allows it at most once"),
        ({"title": "Art & Print & Mug"}, "title uses '&' 2 times; Etsy allows it at most once"),
        ({"title": "50% Art 100% Print"}, "title uses '%' 2 times; Etsy allows it at most once"),
        ({"title": "Sunset Print 🌅"}, "title contains characters Etsy rejects: '🌅'"),
        ({"title": "Sunset\nPrint"}, "title contains characters Etsy rejects: '\\n'"),
        ({"tags": [f"tag {i:02d}" for i in range(14)]}, "14 tags given; the limit is 13"),
        ({"tags": ["a very long tag over twenty"]}, "tag 'a very long tag over twenty' is 27 characters; the limit is 20"),
        ({"tags": ["wall art, poster"]}, "tag 'wall art, poster' contains characters Etsy rejects: ','"),
        ({"tags": ["art #1"]}, "tag 'art #1' contains characters Etsy rejects: '#'"),
        ({"tags": ["ok tag", "  "]}, "tag #2 is empty"),
        ({"tags": ["Wall Art", "wall art"]}, "tag 'wall art' duplicates 'Wall Art' (tags compare case-insensitively)"),
        ({"tags": ["wall art", "WALL  ART"]}, "tag 'WALL  ART' duplicates 'wall art' (tags compare case-insensitively)"),
        ({"description_html": ""}, "description is empty"),
        ({"description_html": "<p> </p><br>"}, "description is empty"),
        ({"description_html": "<p>Hi</p><script>x()</script>"}, "description uses disallowed HTML tag <script>"),
        ({"description_html": '<p class="x">Hi</p>'}, "description tag <p> has attributes (class); no attributes are allowed"),
        ({"description_html": '<p>Hi <a href="//evil">link</a></p>'}, "description uses disallowed HTML tag <a>"),
        ({"description_html": "<p>Hi</p><!-- hidden -->"}, "description contains an HTML comment"),
        ({"alt_text": ""}, "alt text is empty"),
        ({"alt_text": "a" * 251}, "alt text is 251 characters; the limit is 250"),
        ({"product_titles": {"tpl-mug": "Mug $$"}}, "product title for 'tpl-mug' contains '$', which Etsy rejects"),
        ({"product_titles": {"tpl-mug": ""}}, "product title for 'tpl-mug' is empty"),
    ],
)
def test_each_violation_is_named(changes, expected):
    violations = listing_violations(valid_listing(**changes), default_rules())
    assert expected in violations, violations


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": "Disney Castle Print"}, "title contains banned word 'disney'"),
        ({"title": "DISNEY castle"}, "title contains banned word 'disney'"),
        ({"title": "Ｄｉｓｎｅｙ castle"}, "title contains banned word 'disney'"),  # full-width letters
        ({"title": "Star Wars Poster"}, "title contains banned word 'star wars'"),
        ({"title": "star-wars poster"}, "title contains banned word 'star wars'"),
        ({"tags": ["nike shoes art"]}, "tag 'nike shoes art' contains banned word 'nike'"),
        ({"description_html": "<p>Inspired by Marvel.</p>"}, "description contains banned word 'marvel'"),
        ({"description_html": "<p>Dis<b>ney</b> fans</p>"}, "description contains banned word 'disney'"),
        ({"description_html": "<p>star <em>wars</em></p>"}, "description contains banned word 'star wars'"),
        ({"alt_text": "a pokemon drawing"}, "alt text contains banned word 'pokemon'"),
        ({"product_titles": {"tpl-tee": "Nike Tee"}}, "product title for 'tpl-tee' contains banned word 'nike'"),
    ],
)
def test_banned_words_are_found_everywhere(changes, expected):
    assert expected in listing_violations(valid_listing(**changes), default_rules())


@pytest.mark.parametrize(
    "title",
    ["Marvelous Sunset Print", "Starwarsy Poster", "Nikes Print", "Star Print Wars"],
)
def test_banned_words_match_whole_words_only(title):
    assert listing_violations(valid_listing(title=title), default_rules()) == []


def test_limits_come_from_the_rules():
    rules = ListingRules(title_max=20, tags_max=2, tag_max_chars=8)
    violations = listing_violations(valid_listing(), rules)
    assert "title is 57 characters; the limit is 20" in violations
    assert "3 tags given; the limit is 2" in violations
    assert "tag 'sunset wall art' is 15 characters; the limit is 8" in violations


def test_every_problem_is_reported_not_just_the_first():
    bad = valid_listing(title="$ Disney: a: b", tags=["x,y", "x,y"], description_html="", alt_text="")
    assert len(listing_violations(bad, default_rules())) >= 6


def test_warnings_do_not_block_but_are_specific():
    listing = valid_listing(title=" ".join(["word"] * 15), tags=["single"])
    warnings = listing_warnings(listing, default_rules())
    assert "title has 15 words; under 15 ranks better" in warnings
    assert "only 1 of 13 tags used" in warnings
    assert "single-word tags rank worse than long-tail phrases: single" in warnings
    assert listing_violations(listing, default_rules()) == []
