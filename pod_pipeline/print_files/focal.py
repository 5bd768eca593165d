"""Where the subject is: a box in fractions of the image (0-1), from the copywriter when it is
Claude (the listing request returns it), from a seller's override, or else a local estimate.

The local estimate is a saliency map on a small grey copy: edge strength (where detail is) plus
distance from the background's colour (the median of the border: what stands out of it), weighted towards the
centre a little (photographers' subjects rarely touch the border). The box holds the strongest
60% of that energy around its centroid. Deterministic, ~10 ms on a 256 px copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

ESTIMATE_EDGE_PX = 256
ENERGY_KEPT = 0.6


@dataclass(frozen=True)
class Focal:
    x0: float
    y0: float
    x1: float
    y1: float
    source: str = "estimate"  # estimate | copywriter | seller

    def __post_init__(self) -> None:
        for value in (self.x0, self.y0, self.x1, self.y1):
            if not (isinstance(value, (int, float)) and 0.0 <= value <= 1.0):
                raise ValueError(f"a focal box is four fractions between 0 and 1, not {value!r}")
        if not (self.x0 < self.x1 and self.y0 < self.y1):
            raise ValueError("a focal box needs x0 < x1 and y0 < y1")

    @classmethod
    def from_list(cls, values, source: str) -> "Focal":
        if not isinstance(values, (list, tuple)) or len(values) != 4:
            raise ValueError("a focal box is [x0, y0, x1, y1], fractions of the image's width and height")
        return cls(*(float(v) for v in values), source=source)

    def in_pixels(self, width: int, height: int) -> tuple[float, float, float, float]:
        return (self.x0 * width, self.y0 * height, self.x1 * width, self.y1 * height)

    def as_list(self) -> list[float]:
        return [round(self.x0, 4), round(self.y0, 4), round(self.x1, 4), round(self.y1, 4)]


def estimate_focal(image: Image.Image) -> Focal:
    # Shrink first: converting the full image would copy it whole (hundreds of MB).
    scale = ESTIMATE_EDGE_PX / max(image.size)
    small = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                         Image.BOX).convert("RGB")
    rgb = np.asarray(small, dtype=np.float32)
    edges = np.asarray(small.convert("L").filter(ImageFilter.FIND_EDGES), dtype=np.float32)
    # The background is what the border shows most: its median colour.
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    contrast = np.linalg.norm(rgb - np.median(border, axis=0), axis=2)
    height, width = edges.shape
    ys, xs = np.mgrid[0:height, 0:width]
    centre = 1.0 - 0.5 * (((xs / width - 0.5) ** 2 + (ys / height - 0.5) ** 2) / 0.5)
    energy = (edges / (edges.max() or 1.0) + contrast / (contrast.max() or 1.0)) * centre
    total = float(energy.sum())
    if total <= 0:  # a flat image: its middle
        return Focal(0.25, 0.25, 0.75, 0.75)
    cx, cy = float((energy * xs).sum() / total), float((energy * ys).sum() / total)
    # Grow a box around the centroid, by the side that adds the most energy, until it holds enough.
    x0 = x1 = int(cx)
    y0 = y1 = int(cy)
    held = float(energy[y0, x0])
    while held < ENERGY_KEPT * total:
        options = []
        if x0 > 0:
            options.append((float(energy[y0:y1 + 1, x0 - 1].sum()), "x0"))
        if x1 < width - 1:
            options.append((float(energy[y0:y1 + 1, x1 + 1].sum()), "x1"))
        if y0 > 0:
            options.append((float(energy[y0 - 1, x0:x1 + 1].sum()), "y0"))
        if y1 < height - 1:
            options.append((float(energy[y1 + 1, x0:x1 + 1].sum()), "y1"))
        if not options:
            break
        gain, side = max(options)
        if side == "x0":
            x0 -= 1
        elif side == "x1":
            x1 += 1
        elif side == "y0":
            y0 -= 1
        else:
            y1 += 1
        held += gain
    return Focal(x0 / width, y0 / height, (x1 + 1) / width, (y1 + 1) / height)
