"""Banned words (trademarks the seller must never use), matched as whole words.

Matching is case-insensitive, on NFKC-normalised text (so full-width "ｄｉｓｎｅｙ" counts), and
on word boundaries where `_` counts as a separator (file names use it between words). A
multi-word phrase matches with any run of separators between its words: "star wars" finds
"Star Wars", "star-wars" and "STAR_WARS", but not "starwars" — list that spelling separately.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# A letter or digit; `[^\W_]` is \w without the underscore.
_ALNUM = r"[^\W_]"


@lru_cache(maxsize=256)
def _patterns(banned: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for phrase in banned:
        words = re.findall(_ALNUM + "+", unicodedata.normalize("NFKC", phrase))
        if not words:
            continue  # e.g. "$$$": nothing a word boundary can anchor to
        body = r"[\W_]+".join(re.escape(word) for word in words)
        compiled.append((phrase, re.compile(rf"(?<!{_ALNUM}){body}(?!{_ALNUM})", re.IGNORECASE)))
    return tuple(compiled)


def banned_in(text: str, banned: Iterable[str]) -> list[str]:
    """The banned phrases that occur in `text`, in the order they were listed."""
    normalised = unicodedata.normalize("NFKC", text)
    return [phrase for phrase, pattern in _patterns(tuple(banned)) if pattern.search(normalised)]


def remove_banned(text: str, banned: Iterable[str]) -> str:
    """`text` with every banned phrase cut out. Repeats until stable because a cut can join
    two halves into a new match ("star disney wars" with both "disney" and "star wars")."""
    patterns = _patterns(tuple(banned))
    text = unicodedata.normalize("NFKC", text)
    for _ in range(10):
        cleaned = text
        for _, pattern in patterns:
            cleaned = pattern.sub(" ", cleaned)
        if cleaned == text:
            break
        text = cleaned
    return text
