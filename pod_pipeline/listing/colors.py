"""Names for dominant colours: the nearest entry of a small, buyer-friendly palette.

Buyers search "sage green wall art", not "#96AA82", so colours are named with the words
they type. The palette is small on purpose: nearby shades share a name and a base word.
"""

from __future__ import annotations

from dataclasses import dataclass

from pod_pipeline.listing.model import RGB


@dataclass(frozen=True)
class ColorName:
    phrase: str  # "warm orange": for titles and alt text
    base: str  # "orange": for tags like "orange wall art"
    rgb: RGB


PALETTE: tuple[ColorName, ...] = (
    ColorName("jet black", "black", (20, 20, 20)),
    ColorName("charcoal gray", "gray", (64, 64, 64)),
    ColorName("slate gray", "gray", (112, 128, 144)),
    ColorName("soft gray", "gray", (175, 175, 175)),
    ColorName("ivory white", "white", (245, 243, 235)),
    ColorName("soft cream", "cream", (238, 226, 196)),
    ColorName("sand beige", "beige", (210, 190, 150)),
    ColorName("earthy brown", "brown", (120, 80, 50)),
    ColorName("burgundy red", "red", (128, 20, 40)),
    ColorName("bright red", "red", (210, 40, 40)),
    ColorName("coral pink", "coral", (240, 120, 100)),
    ColorName("warm orange", "orange", (235, 130, 40)),
    ColorName("mustard yellow", "yellow", (205, 165, 40)),
    ColorName("golden yellow", "yellow", (250, 210, 60)),
    ColorName("olive green", "green", (110, 120, 50)),
    ColorName("forest green", "green", (30, 90, 50)),
    ColorName("sage green", "green", (150, 170, 130)),
    ColorName("fresh green", "green", (80, 180, 80)),
    ColorName("deep teal", "teal", (0, 120, 120)),
    ColorName("bright turquoise", "turquoise", (60, 200, 200)),
    ColorName("sky blue", "blue", (130, 190, 235)),
    ColorName("deep blue", "blue", (30, 60, 160)),
    ColorName("navy blue", "blue", (20, 30, 80)),
    ColorName("royal purple", "purple", (100, 40, 140)),
    ColorName("soft lavender", "lavender", (180, 160, 220)),
    ColorName("soft pink", "pink", (240, 170, 190)),
    ColorName("hot pink", "pink", (220, 50, 140)),
)


def _distance(a: RGB, b: RGB) -> float:
    # "Redmean" weighting: a cheap approximation of perceived difference, far better than
    # plain RGB distance at telling blues from purples and greens from teals.
    mean_red = (a[0] + b[0]) / 2
    dr, dg, db = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return (2 + mean_red / 256) * dr * dr + 4 * dg * dg + (2 + (255 - mean_red) / 256) * db * db


def nearest_color(rgb: RGB) -> ColorName:
    # min() keeps the first of equal distances, so ties resolve the same way every run.
    return min(PALETTE, key=lambda entry: _distance(rgb, entry.rgb))


def name_colors(colors: list[RGB], limit: int = 3) -> list[ColorName]:
    """Distinct palette names for the dominant colours, most dominant first."""
    named: list[ColorName] = []
    for rgb in colors:
        entry = nearest_color(rgb)
        if entry not in named:
            named.append(entry)
        if len(named) == limit:
            break
    return named
