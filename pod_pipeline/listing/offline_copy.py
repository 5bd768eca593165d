"""The fixed copy the offline copywriter says about each kind of product.

Claims stay to what holds for Gelato's standard products of that kind (matte poster paper,
DTG apparel, ceramic mugs); anything template-specific comes from the request's sizes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KindCopy:
    title_item: str  # what the title calls the product ("Sunset ... Art Print"); "" = its type
    title_tail: str  # after the colour in the title's second half: "Warm Orange Wall Art"
    subject_suffixes: tuple[str, ...]  # tags "<subject word> <suffix>": "sunset wall art"
    fallback_label: str  # shown when the template's product type is unusable
    material: str
    care: str
    tags: tuple[str, ...]


KIND_COPY: dict[str, KindCopy] = {
    "wall_art": KindCopy(
        title_item="Art Print",
        title_tail="Wall Art",
        subject_suffixes=("wall art", "art print", "poster"),
        fallback_label="Art print",
        material="Printed on thick matte paper that shows no glare.",
        care="Keep out of direct sunlight and damp rooms so the colors stay fresh.",
        tags=("living room decor", "bedroom wall art", "office wall decor", "gallery wall print",
              "dorm room decor", "modern wall art"),
    ),
    "apparel": KindCopy(
        title_item="",
        title_tail="Graphic Design",
        subject_suffixes=("shirt", "graphic tee"),
        fallback_label="Shirt",
        material="Printed direct-to-garment (DTG), so the design feels soft and breathable.",
        care="Wash inside out in cold water, tumble dry low and do not iron over the print.",
        tags=("graphic tee", "unisex t-shirt", "art lover shirt", "casual graphic tee", "gift for him"),
    ),
    "mug": KindCopy(
        title_item="",
        title_tail="Coffee Lover Gift",
        subject_suffixes=("mug", "coffee mug"),
        fallback_label="Mug",
        material="Glossy ceramic mug with the artwork printed on the side.",
        care="Dishwasher safe.",
        tags=("coffee mug gift", "tea lover gift", "office mug", "coffee lover gift", "gift for coworker"),
    ),
    "other": KindCopy(
        title_item="",
        title_tail="Art Gift",
        subject_suffixes=("art gift",),
        fallback_label="Printed item",
        material="Printed to order with the artwork shown.",
        care="",
        tags=("art lover gift", "unique gift idea"),
    ),
}

# Occasions and rooms buyers search for; none names a brand or a specific subject.
OCCASION_TAGS = (
    "gift for her", "housewarming gift", "birthday gift idea", "art lover gift", "gift for mom",
    "christmas gift idea", "unique gift idea", "new home gift", "gift for friend", "home decor gift",
)

_KIND_KEYWORDS = (
    ("mug", ("mug", "cup", "tumbler")),
    ("apparel", ("shirt", "tee", "hoodie", "sweatshirt", "tank", "apparel", "crewneck")),
    ("wall_art", ("poster", "print", "wall art")),
)


def kind_of(product_type: str) -> str:
    """"Premium Matte Poster" → "wall_art"; unknown types get neutral copy ("other")."""
    lowered = product_type.lower()
    for kind, keywords in _KIND_KEYWORDS:
        if any(keyword in lowered for keyword in keywords):
            return kind
    return "other"
