"""Subject words from an upload's file name, treated strictly as data.

Only ASCII letters survive (accents folded, everything else becomes a separator), so a file
name can carry words but never markup, punctuation tricks or prices into the copy.
"""

from __future__ import annotations

import re
import unicodedata

# Camera, export and versioning noise: words that describe the file, not the artwork.
JUNK_WORDS = frozenset(
    """
    img image images dsc dscn dscf pxl mvimg dji gopr wa pic pict screenshot screen shot scan
    scanned final finals copy edit edited export exported untitled new draft version ver rev
    revised hq hires highres lowres jpg jpeg png tif tiff psd webp gif heic svg pdf ai eps
    rgb srgb cmyk dpi px mockup file layer wip test sample tmp temp backup upscaled upscale
    resized crop cropped flat flattened ready copie kopie hd fhd uhd
    """.split()
)
# Trailing words that add nothing: the title already ends in "... Art Print", and "study no 3"
# loses its number as junk, leaving a dangling "no".
_TRAILING_NOISE = frozenset("art print poster artwork wallart no nr num number part vol".split())
STOP_WORDS = frozenset(
    "a an the and or of in on at to for with by from over under into onto is".split()
)
# Title Case keeps these lower-case unless they start the title (AP style: words under 4 letters).
_SMALL_WORDS = frozenset("a an the and or of in on at to for by is".split())
MAX_SUBJECT_WORDS = 6

_CAMEL_OR_DIGIT_BOUNDARY = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"
)


def fold_ascii(text: str) -> str:
    """"café" → "cafe"; characters with no ASCII form disappear."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def ascii_letters_digits(text: str) -> str:
    """Fold accents and turn everything but ASCII letters/digits into single spaces."""
    return " ".join(re.sub(r"[^A-Za-z0-9]+", " ", fold_ascii(text)).split())


def _is_junk(word: str) -> bool:
    return (
        len(word) < 2
        or len(word) > 20  # hashes and ids, not words
        or any(c.isdigit() for c in word)  # numbers, "v2", "4k", "300dpi"
        or word in JUNK_WORDS
        or not re.search(r"[aeiouy]", word)  # "xkcd", "qwrt": no pronounceable word
    )


def trim_stop_words(words: list[str]) -> list[str]:
    while words and words[0] in STOP_WORDS:
        words = words[1:]
    while words and (words[-1] in STOP_WORDS or words[-1] in _TRAILING_NOISE):
        words = words[:-1]
    return words


def subject_words(file_name: str) -> list[str]:
    """Lower-case words naming the artwork, e.g. "SunsetOverDunes_final-v2.png" →
    ["sunset", "over", "dunes"]; [] when the name is only noise ("IMG_0042.jpg")."""
    stem = re.split(r"[/\\]", file_name)[-1]
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", stem)
    spaced = _CAMEL_OR_DIGIT_BOUNDARY.sub(" ", ascii_letters_digits(stem))
    words: list[str] = []
    for word in spaced.lower().split():
        if not _is_junk(word) and (not words or words[-1] != word):
            words.append(word)
    words = trim_stop_words(words)
    if not any(word not in STOP_WORDS for word in words):
        return []
    return trim_stop_words(words[:MAX_SUBJECT_WORDS])


def title_case(words: list[str]) -> str:
    """["sunset", "over", "the", "dunes"] → "Sunset Over the Dunes"."""
    return " ".join(
        word if (i and word in _SMALL_WORDS) else word[:1].upper() + word[1:] for i, word in enumerate(words)
    )
