"""repair_listing: deterministic fixes that leave a bad listing publishable."""

from __future__ import annotations

import pytest

from pod_pipeline.listing import Listing, listing_violations, repair_listing
from pod_pipeline.settings import ListingRules
from pod_pipeline_tests.listing.builders import default_rules, valid_listing

BAD = Listing(
    title="Disney Sunset: Dunes: Art $$ Print & Poster & Mug 🌅 " + "extra words " * 20,
    description_html='<p onclick="x()">Warm <a href="y">Marvel</a> sunset</p><script>steal()</script><!-- c -->',
    tags=[
        "sunset wall art", "Sunset Wall Art", "desert, decor", "a tag that is far too long",
        "nike desert art", "", "gift for her", *[f"extra tag {c}" for c in "abcdefghijklmnop"],
    ],
    alt_text="A sunset over dunes, Star Wars style " + "x" * 300,
    product_titles={"tpl-poster": "Pokemon Poster ^^", "tpl-mug": "Disney"},
)


def test_repair_makes_a_bad_listing_publishable():
    rules = default_rules()
    assert len(listing_violations(BAD, rules)) > 10
    repaired = repair_listing(BAD, rules)
    assert listing_violations(repaired, rules) == []


def test_repair_keeps_what_was_valid():
    repaired = repair_listing(BAD, default_rules())
    assert repaired.title.startswith("Sunset: Dunes Art Print & Poster Mug")
    assert repaired.tags[:3] == ["sunset wall art", "gift for her", "extra tag a"]
    assert len(repaired.tags) == 13
    assert repaired.description_html == "<p>Warm   sunset</p>"
    assert repaired.alt_text == "A sunset over dunes, style"  # the 300-char word is cut whole
    assert repaired.product_titles == {"tpl-poster": "Poster"}  # "Disney" alone left nothing


def test_repair_of_a_valid_listing_changes_nothing():
    listing = valid_listing()
    assert repair_listing(listing, default_rules()) == listing


@pytest.mark.parametrize(
    ("title", "title_max", "expected"),
    [
        ("Sunset Over the Dunes Art Print", 20, "Sunset Over the"),
        ("Sunset – Dunes Art", 9, "Sunset"),  # no dangling dash after the cut
        ("Supercalifragilistic", 5, "Super"),  # one long word is cut hard
        ("Price: $5 ^ `quoted` \\ path", 140, "Price: 5 quoted path"),
        ("A & B & C", 140, "A & B C"),
        ("50% off 100% art", 140, "50% off 100 art"),
        ("Line\nbreak\ttab", 140, "Line break tab"),
    ],
)
def test_title_repairs(title, title_max, expected):
    rules = ListingRules(title_max=title_max)
    repaired = repair_listing(valid_listing(title=title), rules)
    assert repaired.title == expected
    assert listing_violations(repaired, rules) == []


def test_repair_respects_custom_tag_limits():
    rules = ListingRules(tags_max=2, tag_max_chars=12)
    repaired = repair_listing(valid_listing(tags=["too long a tag", "desert decor", "gift for her", "x y"]), rules)
    assert repaired.tags == ["desert decor", "gift for her"]


def test_repair_does_not_invent_copy():
    empty = valid_listing(title="$$$", description_html="<script>x</script>", alt_text="  ")
    problems = listing_violations(repair_listing(empty, default_rules()), default_rules())
    assert problems == ["title is empty", "description is empty", "alt text is empty"]


def test_a_cut_that_forms_a_banned_word_is_repaired_too():
    rules = ListingRules(title_max=5, banned_words=["dunes", "disney"])
    assert repair_listing(valid_listing(title="Dis$ney Duneslake Art"), rules).title == ""
    assert repair_listing(valid_listing(title="Dune$s Cat"), rules).title == "Cat"
