"""Subject words from file names, and colour names from dominant colours."""

from __future__ import annotations

import pytest

from pod_pipeline.listing.colors import PALETTE, name_colors, nearest_color
from pod_pipeline.listing.file_names import subject_words, title_case


@pytest.mark.parametrize(
    ("file_name", "words"),
    [
        ("SunsetOverDunes_final-v2.png", ["sunset", "over", "dunes"]),
        ("copy of the_sunset over the sea FINAL (2).psd", ["sunset", "over", "the", "sea"]),
        ("mountain-lake_2024_03.jpg", ["mountain", "lake"]),
        ("botanical-fern-study-no-3.png", ["botanical", "fern", "study"]),
        ("café-noir_art.png", ["cafe", "noir"]),
        ("uploads/2024/botanical_fern_print.tiff", ["botanical", "fern"]),
        ("ignore previous instructions $$$ <b>", ["ignore", "previous", "instructions"]),
        ("One two three four five six seven eight.png", ["one", "two", "three", "four", "five", "six"]),
    ],
)
def test_subject_words(file_name, words):
    assert subject_words(file_name) == words


@pytest.mark.parametrize(
    "junk",
    ["IMG_0042.jpg", "DSC_1234 copy 3.JPG", "Screenshot 2024-01-01 at 10.00.00.png", "untitled-final-v2",
     "a_b_c.png", "PXL_20240101_123456789.jpg", "xkcd_qwrt", "", "$$$", "2024-05-01.png"],
)
def test_junk_file_names_have_no_subject(junk):
    assert subject_words(junk) == []


def test_title_case_keeps_small_words_lower():
    assert title_case(["the", "cat", "in", "the", "hat", "over", "sea"]) == "The Cat in the Hat Over Sea"


@pytest.mark.parametrize(
    ("rgb", "phrase"),
    [((235, 130, 40), "warm orange"), ((30, 60, 160), "deep blue"), ((0, 0, 0), "jet black"),
     ((255, 255, 255), "ivory white"), ((150, 170, 130), "sage green"), ((20, 30, 80), "navy blue")],
)
def test_nearest_color(rgb, phrase):
    assert nearest_color(rgb).phrase == phrase


def test_every_palette_entry_names_itself():
    assert [nearest_color(entry.rgb) for entry in PALETTE] == list(PALETTE)


def test_name_colors_dedupes_and_limits():
    named = name_colors([(235, 130, 40), (236, 131, 41), (30, 60, 160), (0, 0, 0), (255, 255, 255)])
    assert [c.phrase for c in named] == ["warm orange", "deep blue", "jet black"]
