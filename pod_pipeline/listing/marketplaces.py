"""Each marketplace's listing rules, in one place (`../shared/reference/marketplaces-print-pricing.md`).

The seller's `listing` settings are Etsy's rules, the strictest of the marketplaces Gelato sells
through: copy that meets them is valid everywhere, so it is the copy every store shares. A
marketplace whose rules give room Etsy's do not (Shopify: titles up to 255 characters, tags of
any characters but a comma) gets its own title and tags, written in the same request.

- Etsy: title ≤140 characters, `$ ^ \\` \\\\` rejected, `% : &` at most once; ≤13 tags of ≤20
  characters, letters, digits, spaces, `- ' ™ © ®`.
- Shopify: title ≤255 (its SEO title shows the first 70); tags ≤250 per product, but Gelato
  passes at most 13; a tag is one entry of a comma-separated list, so it never holds a comma.
- WooCommerce and others: nothing documented here, so Etsy's rules (valid everywhere).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pod_pipeline.settings.model import ListingRules

# Marketplaces whose rules differ from the shared (Etsy) copy's, so they get their own version.
OWN_COPY = ("shopify",)
GELATO_TAGS_MAX = 13
SHOPIFY_TITLE_MAX = 255
SHOPIFY_SEO_TITLE = 70
SHOPIFY_TAG_MAX_CHARS = 255


class MarketplaceRules(ListingRules):
    """The seller's rules as they apply on one marketplace."""

    marketplace: str = "etsy"
    charset: Literal["etsy", "plain"] = Field(
        default="etsy", description="etsy: Etsy's title and tag characters; plain: any printable, no comma in tags.")


def marketplace_rules(marketplace: str, base: ListingRules) -> MarketplaceRules:
    fields = base.model_dump(exclude={"marketplace", "charset"})
    if marketplace == "shopify":
        fields.update(title_max=SHOPIFY_TITLE_MAX, tags_max=GELATO_TAGS_MAX, tag_max_chars=SHOPIFY_TAG_MAX_CHARS)
        return MarketplaceRules(**fields, marketplace="shopify", charset="plain")
    return MarketplaceRules(**fields, marketplace=marketplace, charset="etsy")


def own_copy_for(marketplaces: list[str]) -> list[str]:
    """Of the marketplaces the stores sell on, those that get their own title and tags."""
    return [m for m in dict.fromkeys(marketplaces) if m in OWN_COPY]
