"""Shared builders: a listing that passes every rule, and requests for the copywriters."""

from __future__ import annotations

from pod_pipeline.listing import CopyRequest, Listing, ProductBrief
from pod_pipeline.settings import ListingRules

POSTER = ProductBrief(template_id="tpl-poster", product_type="Poster", sizes=["8x10 in", "12x16 in", "24x36 in"])
TSHIRT = ProductBrief(template_id="tpl-tee", product_type="T-shirt", sizes=["S", "M", "L", "XL"])
MUG = ProductBrief(template_id="tpl-mug", product_type="Mug", sizes=["11 oz", "15 oz"])
DEFAULT_BANNED = ["disney", "marvel", "pokemon", "nike", "star wars"]


def valid_listing(**changes) -> Listing:
    base = Listing(
        title="Sunset Over Dunes Art Print – Warm Orange Wall Art Poster",
        description_html="<p>A warm sunset.</p><ul><li><strong>Poster</strong>: matte paper.</li></ul>",
        tags=["sunset wall art", "desert decor", "gift for her"],
        alt_text="Vertical artwork of a sunset over dunes in warm orange tones",
        product_titles={"tpl-poster": "Sunset Over Dunes Poster"},
    )
    return base.model_copy(update=changes)


def make_request(file_name: str = "SunsetOverDunes_final-v2.png", **changes) -> CopyRequest:
    fields = dict(
        artwork_id="art-1",
        file_name=file_name,
        width=2400,
        height=3000,
        dominant_colors=[(235, 130, 40), (30, 60, 160)],
        products=[POSTER, TSHIRT, MUG],
        banned_words=DEFAULT_BANNED,
    )
    fields.update(changes)
    return CopyRequest(**fields)


def default_rules() -> ListingRules:
    return ListingRules(banned_words=DEFAULT_BANNED)
