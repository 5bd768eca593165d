"""Listing rules, enforced in code: Etsy's (the strictest marketplace Gelato publishes to) for the
shared copy, each marketplace's own for its own title and tags (`marketplaces.py`).

`listing_violations` names every problem in words a seller can act on; an empty list means
the listing can be published. `repair_listing` fixes what can be fixed without inventing copy.
Limits come from `ListingRules`; the fixed Etsy rules are constants here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from pod_pipeline.listing.banned import banned_in, remove_banned
from pod_pipeline.listing.html_subset import inspect_description_html, sanitize_description_html
from pod_pipeline.listing.marketplaces import marketplace_rules
from pod_pipeline.listing.model import Listing, MarketplaceCopy
from pod_pipeline.settings.model import ListingRules

__all__ = [
    "ALT_TEXT_MAX",
    "listing_violations",
    "listing_warnings",
    "repair_listing",
    "sanitize_description_html",
]

TITLE_REJECTED_CHARS = "$^`\\"
TITLE_ONCE_CHARS = "%:&"
# Etsy's tag pattern: letters, decimal digits, spaces, - ' ™ © ®.
_TAG_OK_EXTRA = frozenset(" -'™©®")
_TRADEMARK_SIGNS = frozenset("™©®")
# The marketplace reference sets no alt-text limit; 250 is a deliberate choice: a sentence or
# two is what screen readers handle well, and a short limit is safe on every store.
ALT_TEXT_MAX = 250
# Etsy's own SEO advice: titles under 15 words rank better than keyword lists.
TITLE_WORDS_ADVISED = 15


def _title_char_ok(char: str) -> bool:
    # Etsy's API describes allowed title characters as letters, decimal digits, punctuation,
    # math symbols, spaces and ™©® (from its docs, not in the project reference): this also
    # keeps emoji and control characters such as line breaks out of titles.
    if char in _TRADEMARK_SIGNS:
        return True
    category = unicodedata.category(char)
    return category == "Nd" or category[0] in ("L", "P") or category in ("Sm", "Zs")


def _tag_char_ok(char: str) -> bool:
    return char.isalpha() or unicodedata.category(char) == "Nd" or char in _TAG_OK_EXTRA


def _etsy(rules: ListingRules) -> bool:
    return getattr(rules, "charset", "etsy") == "etsy"


def _printable(char: str) -> bool:
    # Control, format and unassigned characters (line breaks, zero-width joiners) never belong in a title.
    return not unicodedata.category(char).startswith("C")


def _title_ok(char: str, rules: ListingRules) -> bool:
    return _title_char_ok(char) if _etsy(rules) else _printable(char)


def _tag_ok(char: str, rules: ListingRules) -> bool:
    # A Shopify tag is one entry of a comma-separated list: a comma would split it.
    return _tag_char_ok(char) if _etsy(rules) else (_printable(char) and char != ",")


def _tag_key(tag: str) -> str:
    return " ".join(tag.split()).casefold()


def _title_violations(label: str, title: str, rules: ListingRules) -> list[str]:
    if not title.strip():
        return [f"{label} is empty"]
    problems = []
    if len(title) > rules.title_max:
        problems.append(f"{label} is {len(title)} characters; the limit is {rules.title_max}")
    if not _etsy(rules):
        odd = [c for c in dict.fromkeys(title) if not _printable(c)]
        if odd:
            problems.append(f"{label} contains control characters: {' '.join(map(repr, odd))}")
        return problems
    for char in TITLE_REJECTED_CHARS:
        if char in title:
            problems.append(f"{label} contains {char!r}, which Etsy rejects")
    for char in TITLE_ONCE_CHARS:
        if (count := title.count(char)) > 1:
            problems.append(f"{label} uses {char!r} {count} times; Etsy allows it at most once")
    odd = [c for c in dict.fromkeys(title) if c not in TITLE_REJECTED_CHARS and not _title_char_ok(c)]
    if odd:
        problems.append(f"{label} contains characters Etsy rejects: {' '.join(map(repr, odd))}")
    return problems


def _tag_violations(tags: list[str], rules: ListingRules, label: str = "tag") -> list[str]:
    problems = []
    where = getattr(rules, "marketplace", "etsy").capitalize()
    if len(tags) > rules.tags_max:
        problems.append(f"{len(tags)} {label}s given; the limit is {rules.tags_max}")
    first_seen: dict[str, str] = {}
    for position, tag in enumerate(tags, start=1):
        if not tag.strip():
            problems.append(f"{label} #{position} is empty")
            continue
        if len(tag) > rules.tag_max_chars:
            problems.append(f"{label} {tag!r} is {len(tag)} characters; the limit is {rules.tag_max_chars}")
        odd = [c for c in dict.fromkeys(tag) if not _tag_ok(c, rules)]
        if odd:
            problems.append(f"{label} {tag!r} contains characters {where} rejects: {' '.join(map(repr, odd))}")
        key = _tag_key(tag)
        if key in first_seen:
            problems.append(f"{label} {tag!r} duplicates {first_seen[key]!r} (tags compare case-insensitively)")
        else:
            first_seen[key] = tag
    return problems


def _banned_violations(listing: Listing, banned: list[str]) -> list[str]:
    if not banned:
        return []
    _, text_runs = inspect_description_html(listing.description_html)
    # Each text run alone, then all runs joined, which catches "dis<b>ney</b>".
    description_texts = [*text_runs, "".join(text_runs)]
    fields: list[tuple[str, list[str]]] = [
        ("title", [listing.title]),
        *((f"tag {tag!r}", [tag]) for tag in listing.tags),
        ("description", description_texts),
        ("alt text", [listing.alt_text]),
        *((f"product title for {tid!r}", [title]) for tid, title in listing.product_titles.items()),
        *((f"{m} title", [own.title]) for m, own in listing.marketplaces.items()),
        *((f"{m} tag {tag!r}", [tag]) for m, own in listing.marketplaces.items() for tag in own.tags),
        *((f"{m} product title for {tid!r}", [title]) for m, own in listing.marketplaces.items()
          for tid, title in own.product_titles.items()),
    ]
    problems = []
    for label, texts in fields:
        found = dict.fromkeys(word for text in texts for word in banned_in(text, banned))
        problems.extend(f"{label} contains banned word {word!r}" for word in found)
    return problems


def _marketplace_violations(listing: Listing, rules: ListingRules, wanted: Sequence[str]) -> list[str]:
    problems = [f"no {m} version (its own title and tags)" for m in wanted if m not in listing.marketplaces]
    for marketplace, own in listing.marketplaces.items():
        own_rules = marketplace_rules(marketplace, rules)
        problems += _title_violations(f"{marketplace} title", own.title, own_rules)
        problems += _tag_violations(own.tags, own_rules, label=f"{marketplace} tag")
        for template_id, title in own.product_titles.items():
            problems += _title_violations(f"{marketplace} product title for {template_id!r}", title, own_rules)
    return problems


def listing_violations(listing: Listing, rules: ListingRules, wanted: Sequence[str] = ()) -> list[str]:
    """Every rule the listing breaks, as readable sentences; empty means publishable. `wanted`:
    the marketplaces that must have their own version."""
    problems = _title_violations("title", listing.title, rules)
    problems += _tag_violations(listing.tags, rules)
    html_problems, text_runs = inspect_description_html(listing.description_html)
    if not "".join(text_runs).strip():
        problems.append("description is empty")
    problems += html_problems
    if not listing.alt_text.strip():
        problems.append("alt text is empty")
    elif len(listing.alt_text) > ALT_TEXT_MAX:
        problems.append(f"alt text is {len(listing.alt_text)} characters; the limit is {ALT_TEXT_MAX}")
    for template_id, title in listing.product_titles.items():
        problems += _title_violations(f"product title for {template_id!r}", title, rules)
    problems += _marketplace_violations(listing, rules, wanted)
    problems += _banned_violations(listing, rules.banned_words)
    return problems


def listing_warnings(listing: Listing, rules: ListingRules) -> list[str]:
    """SEO advice that does not block publishing."""
    warnings = []
    if (words := len(listing.title.split())) >= TITLE_WORDS_ADVISED:
        warnings.append(f"title has {words} words; under {TITLE_WORDS_ADVISED} ranks better")
    if len(listing.tags) < rules.tags_max:
        warnings.append(f"only {len(listing.tags)} of {rules.tags_max} tags used")
    single = [tag for tag in listing.tags if len(tag.split()) == 1]
    if single:
        warnings.append(f"single-word tags rank worse than long-tail phrases: {', '.join(single)}")
    return warnings


# --- repairs -------------------------------------------------------------------------------

_TRAILING_JUNK = " -–—,;:&|/+·"


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _truncate_on_word(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut[:limit]
    return cut[:limit].rstrip(_TRAILING_JUNK)


def _strip_title_chars(title: str, rules: ListingRules | None = None) -> str:
    etsy = rules is None or _etsy(rules)
    kept: list[str] = []
    for char in unicodedata.normalize("NFC", title):
        if not etsy:
            kept.append(" " if char.isspace() else char if _printable(char) else "")
        elif char in TITLE_REJECTED_CHARS or not (_title_char_ok(char) or char.isspace()):
            kept.append(" " if char.isspace() else "")  # a line break still separates words
        elif char in TITLE_ONCE_CHARS and char in kept:
            kept.append(" ")  # a second "&" or ":" reads best as a plain gap
        else:
            kept.append(char)
    title = _collapse("".join(kept))
    return re.sub(r"\s+([,.;!?])", r"\1", title)  # "Art , Print" left by a cut word


def _without_banned(text: str, limit: int, rules: ListingRules, clean: Callable[[str], str] = _collapse) -> str:
    """Remove banned words, clean, truncate; again while a cut or a removed character has
    formed a new banned word ("Duneslake" cut to "Dunes", "Dis$ney" to "Disney")."""
    for _ in range(5):
        # Clean first so "Dis$ney" is seen as "Disney" before the banned words are cut out.
        text = _truncate_on_word(clean(remove_banned(clean(text), rules.banned_words)), limit)
        if not banned_in(text, rules.banned_words):
            break
    return text


def _repair_title(title: str, rules: ListingRules) -> str:
    # strip() also drops a leading "– " left where a banned first word was cut out.
    return _without_banned(title, rules.title_max, rules,
                           lambda text: _strip_title_chars(text, rules)).strip(_TRAILING_JUNK)


def _repair_tags(tags: list[str], rules: ListingRules) -> list[str]:
    kept: dict[str, str] = {}
    for tag in tags:
        tag = _collapse(unicodedata.normalize("NFC", tag))
        if (
            tag
            and len(tag) <= rules.tag_max_chars
            and all(_tag_ok(c, rules) for c in tag)
            and not banned_in(tag, rules.banned_words)
            and _tag_key(tag) not in kept
        ):
            kept[_tag_key(tag)] = tag
    return list(kept.values())[: rules.tags_max]


def _repair_own(own: MarketplaceCopy, rules: ListingRules) -> MarketplaceCopy:
    return MarketplaceCopy(
        title=_repair_title(own.title, rules), tags=_repair_tags(own.tags, rules),
        product_titles={tid: fixed for tid, title in own.product_titles.items() if (fixed := _repair_title(title, rules))})


def repair_listing(listing: Listing, rules: ListingRules, wanted: Sequence[str] = ()) -> Listing:
    """Deterministic, meaning-preserving fixes: strip rejected title characters and banned
    words, keep only the first `% : &`, truncate on a word boundary, drop bad or duplicate
    tags, sanitise the description. It never invents copy, so an empty field stays empty (and
    a banned word split across HTML tags survives): run `listing_violations` afterwards."""

    def clean_text(text: str) -> str:
        return remove_banned(text, rules.banned_words)

    product_titles = {
        tid: repaired for tid, title in listing.product_titles.items() if (repaired := _repair_title(title, rules))
    }
    title, tags = _repair_title(listing.title, rules), _repair_tags(listing.tags, rules)
    marketplaces = {m: _repair_own(own, marketplace_rules(m, rules)) for m, own in listing.marketplaces.items()}
    for marketplace in wanted:  # a version the writer left out: the shared copy, valid everywhere
        marketplaces.setdefault(marketplace, MarketplaceCopy(title=title, tags=tags, product_titles=product_titles))
    return Listing(
        title=title,
        description_html=sanitize_description_html(listing.description_html, clean_text),
        tags=tags,
        alt_text=_without_banned(listing.alt_text, ALT_TEXT_MAX, rules),
        product_titles=product_titles,
        marketplaces=marketplaces,
        subject_box=listing.subject_box,
    )
