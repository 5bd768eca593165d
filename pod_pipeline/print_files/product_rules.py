"""What each kind of product wants of its print file, in one place.

- Wall art (posters, canvas, framed prints): bleed of 4 mm on every side, as Gelato asks of PDF
  print files (`../shared/reference/gelato-api.md`): the trim may wander that far, so the canvas
  is extended (from the artwork beyond the crop where there is some, else mirrored) rather than
  cropped into the artwork. Flattened on white (no transparency on paper).
- Apparel (DTG): transparency kept, because a solid background prints as ink; no bleed (the
  print sits inside the garment).
- Drinkware and anything else: no bleed, flattened on white.

Every file is PNG (Gelato takes jpg, png or pdf): lossless, and written in bands, so even a
70 × 100 cm poster never exists whole in memory (`render.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

WALL_ART_WORDS = ("poster", "canvas", "print", "framed", "wall")
APPAREL_WORDS = ("shirt", "tee", "hoodie", "sweatshirt", "tank", "apparel", "crewneck", "sweater")
WALL_ART_BLEED_MM = 4.0


@dataclass(frozen=True)
class ProductRule:
    kind: str
    bleed_mm: float
    format: str  # "PNG" or "JPEG"
    keeps_alpha: bool = False  # transparency kept (apparel); else flattened on white

    @property
    def extension(self) -> str:
        return ".png" if self.format == "PNG" else ".jpg"

    @property
    def content_type(self) -> str:
        return "image/png" if self.format == "PNG" else "image/jpeg"


APPAREL = ProductRule("apparel", 0.0, "PNG", keeps_alpha=True)
WALL_ART = ProductRule("wall_art", WALL_ART_BLEED_MM, "PNG")
OTHER = ProductRule("other", 0.0, "PNG")


def rule_for(product_type: str | None, title: str = "") -> ProductRule:
    """The rule for a template, from its product type (else its title)."""
    text = f"{product_type or ''} {title}".lower()
    if any(word in text for word in APPAREL_WORDS):
        return APPAREL
    if any(word in text for word in WALL_ART_WORDS):
        return WALL_ART
    return OTHER
