"""The crop of an artwork for one print area: the largest box of the area's aspect ratio, placed
to keep the focal box inside when it fits (centred on it otherwise), with what it cuts away.

`slice` (cover the area) crops; `meet` (fit inside) keeps the whole artwork and leaves margins,
so its "crop" is the whole image and its loss is the empty share of the area."""

from __future__ import annotations

from dataclasses import dataclass

from pod_pipeline.print_files.focal import Focal


@dataclass(frozen=True)
class Crop:
    left: float
    top: float
    right: float
    bottom: float
    loss: float  # share of the artwork cut away (slice) or of the area left empty (meet)
    cut: dict[str, float]  # share of the artwork's width/height cut on each side
    focal_inside: bool
    focal_fits: bool = True  # the focal box is no bigger than the crop: it could be kept whole

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.left, self.top, self.right, self.bottom)

    def describe(self) -> str:
        sides = [f"{share:.0%} {side}" for side, share in self.cut.items() if share >= 0.005]
        return "nothing cut" if not sides else "cut " + ", ".join(sides)


def _place(size: float, focal_start: float, focal_end: float, limit: float) -> float:
    """Where a window of `size` starts along one side so it holds [focal_start, focal_end]."""
    # Centred on the focal box (its middle, when it is too big to hold), then moved just enough
    # to stay inside the image: a box that fits stays inside, since it is nearer the middle.
    start = (focal_start + focal_end) / 2 - size / 2
    return min(max(start, 0.0), limit - size)


def crop_for(width: int, height: int, area_width: float, area_height: float, focal: Focal,
             fit_method: str = "slice") -> Crop:
    aspect = area_width / area_height
    if fit_method == "meet":
        image_aspect = width / height
        empty = 1 - min(aspect, image_aspect) / max(aspect, image_aspect)
        return Crop(0.0, 0.0, float(width), float(height), empty, {}, True, True)
    fx0, fy0, fx1, fy1 = focal.in_pixels(width, height)
    if width / height > aspect:  # wider than the area: cut the sides
        crop_w, crop_h = height * aspect, float(height)
        left, top = _place(crop_w, fx0, fx1, width), 0.0
    else:  # taller: cut top and bottom
        crop_w, crop_h = float(width), width / aspect
        left, top = 0.0, _place(crop_h, fy0, fy1, height)
    right, bottom = left + crop_w, top + crop_h
    inside = left <= fx0 + 1e-6 and right >= fx1 - 1e-6 and top <= fy0 + 1e-6 and bottom >= fy1 - 1e-6
    cut = {"left": left / width, "right": (width - right) / width, "top": top / height,
           "bottom": (height - bottom) / height}
    fits = fx1 - fx0 <= crop_w + 1e-6 and fy1 - fy0 <= crop_h + 1e-6
    return Crop(left, top, right, bottom, 1 - (crop_w * crop_h) / (width * height), cut, inside, fits)
