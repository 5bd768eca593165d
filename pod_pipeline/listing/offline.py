"""`OfflineCopywriter`: deterministic listing copy from the file name, colours and products.

No network and no model, so it is free, instant and reproducible (same request → same
listing): the default copywriter, and the fallback when Claude is unavailable. Every string
from the request is data: file names keep only letters, product types and sizes only a few
safe characters, and banned words are filtered out before any copy is composed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from itertools import zip_longest

from pod_pipeline.listing.banned import banned_in, remove_banned
from pod_pipeline.listing.colors import name_colors
from pod_pipeline.listing.copywriter import CopyResult, effective_rules, ensure_valid
from pod_pipeline.listing.file_names import (
    STOP_WORDS,
    ascii_letters_digits,
    fold_ascii,
    subject_words,
    title_case,
    trim_stop_words,
)
from pod_pipeline.listing.marketplaces import marketplace_rules
from pod_pipeline.listing.model import CopyRequest, Listing, MarketplaceCopy, ProductBrief
from pod_pipeline.listing.offline_copy import KIND_COPY, OCCASION_TAGS, kind_of
from pod_pipeline.listing.rules import TITLE_WORDS_ADVISED, repair_listing
from pod_pipeline.settings.model import ListingRules

# Bump when the generated copy changes, so stored listings show which generator wrote them.
OFFLINE_PROMPT_VERSION = "offline-1"
OFFLINE_PER_MARKETPLACE_VERSION = "offline-2"  # adds each roomier marketplace's own title and tags


def _orientation(request: CopyRequest) -> str:
    ratio = request.width / request.height
    return "horizontal" if ratio > 1.05 else "vertical" if ratio < 0.95 else "square"


# Typographic quotes in sizes (12x16″) keep their meaning as plain ones.
_PLAIN_QUOTES = str.maketrans({"″": '"', "“": '"', "”": '"', "′": "'", "’": "'"})


def _clean_label(text: str, max_chars: int, extra: str = "-") -> str:
    """Keep letters, digits, spaces and `extra` ("T-shirt" keeps its hyphen), cut on a word
    boundary: product types and sizes come from templates, so they are data too."""
    kept = " ".join(re.sub(rf"[^A-Za-z0-9 {re.escape(extra)}]+", " ", text.translate(_PLAIN_QUOTES)).split())
    if len(kept) > max_chars:
        kept = kept[: max_chars + 1].rsplit(" ", 1)[0] if " " in kept[:max_chars] else kept[:max_chars]
    return kept.strip(" -/")


class _Facts:
    """What the copy is built from, with banned words already filtered out."""

    def __init__(self, request: CopyRequest, banned: list[str]) -> None:
        self.banned = banned
        # Filtering word by word can leave "over dunes"; trim again so the name still reads.
        self.subject = trim_stop_words([w for w in subject_words(request.file_name) if self.allowed(w)])
        self.colors: list[tuple[str, str]] = []  # (phrase, base), e.g. ("warm orange", "orange")
        for color in name_colors(request.dominant_colors):
            phrase = next((p for p in (color.phrase, color.base) if self.allowed(p)), None)
            if phrase:
                self.colors.append((phrase, color.base if self.allowed(color.base) else phrase))
        self.orientation = _orientation(request)
        self.products: list[tuple[ProductBrief, str, str]] = []  # (brief, shown type, kind)
        for brief in request.products:
            shown = _clean_label(fold_ascii(brief.product_type), 40)
            self.products.append((brief, shown if shown and self.allowed(shown) else "", kind_of(brief.product_type)))
        self.kinds = list(dict.fromkeys(kind for _, _, kind in self.products)) or ["wall_art"]

    def allowed(self, text: str) -> bool:
        return not banned_in(text, self.banned)

    def first_allowed(self, *options: str) -> str:
        return next((o for o in options if o and self.allowed(o)), "")

    @property
    def subject_text(self) -> str:
        return " ".join(self.subject)

    def color_words(self) -> str:
        phrases = [phrase for phrase, _ in self.colors[:2]]
        return " and ".join(phrases)


def _join_types(types: list[str]) -> str:
    # Etsy allows one "&" per title, so only the last pair is joined with it.
    return ", ".join(types[:-1]) + f" & {types[-1]}" if len(types) > 1 else "".join(types)


def _head(facts: _Facts) -> str:
    """The artwork's name: its subject, or for junk file names its colour + "Abstract"."""
    if facts.subject:
        return title_case(facts.subject)
    color = title_case(facts.colors[0][0].split()) if facts.colors else ""
    return " ".join(filter(None, [color, facts.first_allowed("Abstract", "Modern", "Artwork")]))


def _title(facts: _Facts, rules: ListingRules) -> str:
    """"<Subject> <Item> – <Colour> <Tail> <Product types>": item type and the buyer's
    phrase first, as Etsy advises; e.g. "Sunset Over Dunes Art Print – Warm Orange Wall Art Poster".
    Shorter variants are used when the long one is over the limit or 15 words or more."""
    lead_kind = facts.kinds[0]
    copy = KIND_COPY[lead_kind]
    lead_types = [s for _, s, kind in facts.products if s and kind == lead_kind]
    item = facts.first_allowed(copy.title_item, *lead_types[:1], copy.fallback_label)
    if lead_kind != "wall_art":  # the item already names these; the tail lists the others
        shown = [s for _, s, kind in facts.products if s and kind != lead_kind]
    else:
        shown = [s for _, s, _ in facts.products if s]
    color = title_case(facts.colors[0][0].split()) if facts.colors and facts.subject else ""
    lead = color or facts.orientation.title()
    types = _join_types([title_case(t.split()) for t in dict.fromkeys(shown)][:3])
    first = " ".join(filter(None, [_head(facts), item]))
    tails = [" ".join(filter(None, [lead, facts.first_allowed(copy.title_tail), *extra])) for extra in ([types], [])]
    candidates = [" – ".join(filter(None, [first, tail])) for tail in tails] + [first, _head(facts), item]
    for candidate in candidates:
        fits = candidate and len(candidate) <= rules.title_max and facts.allowed(candidate)
        if fits and len(candidate.split()) < TITLE_WORDS_ADVISED:
            return candidate
    # Nothing fits as is: the first candidate that survives repair (e.g. truncation).
    return next((c for c in candidates if repair_listing(_probe(c), rules).title), candidates[0])


def _probe(title: str) -> Listing:
    return Listing(title=title, description_html="", tags=[], alt_text="")


def _description(facts: _Facts) -> str:
    tones = facts.color_words()
    tones_clause = f" in {tones} tones" if tones else ""
    name = title_case(facts.subject) if facts.subject else ""
    intro = facts.first_allowed(
        *(
            f"{name}{tones_clause}: a {facts.orientation} {noun}, printed to order for you."
            if name
            else f"An abstract {facts.orientation} {noun}{tones_clause}, printed to order for you."
            for noun in ("design", "artwork", "piece")
        ),
        f"{name} printed to order for you." if name else "Printed to order for you.",
    )
    items = []
    for brief, shown, kind in facts.products:
        copy = KIND_COPY[kind]
        sizes = list(dict.fromkeys(filter(None, (_clean_label(s, 30, '.×"\'/()-') for s in brief.sizes))))[:12]
        parts = [copy.material, f"Available in: {', '.join(sizes)}." if sizes else "", copy.care]
        label = facts.first_allowed(shown, copy.fallback_label)
        text = " ".join(p for p in parts if p and facts.allowed(p))
        if label:
            text = f"<strong>{html.escape(label, quote=False)}</strong>: {html.escape(text, quote=False)}"
        else:
            text = html.escape(text, quote=False)
        items.append(f"<li>{text}</li>")
    blocks = [f"<p>{html.escape(intro, quote=False)}</p>"]
    if items:
        blocks += ["<h3>What you get</h3>", "<ul>" + "".join(items) + "</ul>"]
    blocks.append("<p>Made to order, so please allow a few days for printing. Colors may vary slightly between screens.</p>")
    return "\n".join(blocks)


def _tag_candidates(facts: _Facts) -> list[str]:
    """Tag ideas from four sources, interleaved so the 13 kept ones stay varied."""
    words = [w for w in facts.subject if w not in STOP_WORDS]
    suffixes = [suffix for kind in facts.kinds for suffix in KIND_COPY[kind].subject_suffixes]
    from_subject = [f"{w} {suffix}" for w in words[:3] for suffix in [*suffixes, "lover gift"]]
    from_subject += [f"{a} {b} art" for a, b in zip(words, words[1:])]
    bases = list(dict.fromkeys(base for _, base in facts.colors))
    from_color = [f"{b} {suffix}" for b in bases for suffix in ("wall art", "art print", "home decor", "aesthetic")]
    from_color += [f"{a} and {b} art" for a, b in zip(bases, bases[1:])]
    from_color += [f"{phrase} decor" for phrase, _ in facts.colors]
    from_products = [f"{facts.orientation} wall art"] if "wall_art" in facts.kinds else []
    for kind in facts.kinds:
        from_products += KIND_COPY[kind].tags
    if not words:
        from_products += ["abstract wall art", "modern abstract art", "abstract art print", "abstract decor"]
    interleaved = zip_longest(from_subject, from_color, from_products, OCCASION_TAGS)
    return [tag for group in interleaved for tag in group if tag]


def _tags(facts: _Facts, title: str, rules: ListingRules) -> list[str]:
    def words_key(text: str) -> str:
        return f" {ascii_letters_digits(text).lower()} "

    title_key = words_key(title)
    usable = [
        tag
        for tag in dict.fromkeys(_tag_candidates(facts))
        if len(tag) <= rules.tag_max_chars and len(tag.split()) > 1 and facts.allowed(tag)
    ]
    # Tags that only repeat a phrase of the title waste a slot; use them last.
    fresh = [tag for tag in usable if words_key(tag) not in title_key]
    repeats = [tag for tag in usable if words_key(tag) in title_key]
    return (fresh + repeats)[: rules.tags_max]


def _alt_text(facts: _Facts) -> str:
    """E.g. "Vertical artwork of sunset over dunes in warm orange tones"; the plainer variants
    exist because a banned-word list may forbid any one of these words."""
    tones = f" in {facts.color_words()} tones" if facts.colors else ""
    about = f" of {facts.subject_text}" if facts.subject else ""
    options = []
    for noun in ("artwork", "illustration", "image", "picture", "print", "graphic"):
        described = f"{noun}{about}" if facts.subject else f"abstract {noun}"
        options += [f"{facts.orientation.capitalize()} {described}{tones}", f"{noun.capitalize()}{about}{tones}"]
    # Last resort: the first option with the banned words cut out (repair would do the same).
    return facts.first_allowed(*options) or _first_nonempty(remove_banned(o, facts.banned) for o in options)


def _first_nonempty(texts: Iterable[str]) -> str:
    return next((" ".join(t.split()) for t in texts if t.strip()), "")


def _own_copy(facts: _Facts, title: str, tags: list[str], marketplace: str, rules: ListingRules) -> MarketplaceCopy:
    """A roomier marketplace's title and tags: titles that add the look of the artwork (both
    dominant colours, its orientation), one per product so a store's products never share a
    title, and the longer tag phrases the shared (Etsy) copy had no room for."""
    own = marketplace_rules(marketplace, rules)
    look = " ".join(filter(None, [facts.orientation.title(), title_case(facts.color_words().split()), "Design"]))

    def fitted(text: str, fallback: str) -> str:
        return text if len(text) <= own.title_max and facts.allowed(text) else fallback

    product_titles = {
        brief.template_id: fitted(f"{_head(facts)} {title_case(shown.split())} – {look} | "
                                  f"{facts.first_allowed(KIND_COPY[kind].title_tail)}".rstrip(" |"), title)
        for brief, shown, kind in facts.products if shown}
    roomy = [t for t in dict.fromkeys(_tag_candidates(facts)) if len(t.split()) > 1 and facts.allowed(t)
             and len(t) <= own.tag_max_chars]
    fresh = [t for t in roomy if t not in tags]
    return MarketplaceCopy(title=fitted(f"{title} | {look}", title), tags=(fresh + tags)[: own.tags_max],
                           product_titles=product_titles)


def compose_listing(request: CopyRequest, rules: ListingRules) -> Listing:
    """The offline copy for `request`, before the final rule check."""
    facts = _Facts(request, rules.banned_words)
    title = _title(facts, rules)
    head = _head(facts)
    product_titles = {
        brief.template_id: " ".join(filter(None, [head, title_case(shown.split())])) for brief, shown, _ in facts.products
    }
    tags = _tags(facts, title, rules)
    return Listing(
        title=title,
        description_html=_description(facts),
        tags=tags,
        alt_text=_alt_text(facts),
        product_titles={tid: t for tid, t in product_titles.items() if t},
        marketplaces={m: _own_copy(facts, title, tags, m, rules) for m in request.marketplaces},
    )


class OfflineCopywriter:
    """Deterministic copywriter; `rules` gives the limits, requests may add banned words."""

    name = "offline"

    def __init__(self, rules: ListingRules | None = None) -> None:
        self.rules = rules or ListingRules()

    def write(self, request: CopyRequest) -> CopyResult:
        rules = effective_rules(self.rules, request)
        listing, repaired = ensure_valid(compose_listing(request, rules), rules, request.marketplaces)
        version = OFFLINE_PER_MARKETPLACE_VERSION if request.marketplaces else OFFLINE_PROMPT_VERSION
        return CopyResult(listing=listing, copywriter=self.name, prompt_version=version, repaired=repaired)
