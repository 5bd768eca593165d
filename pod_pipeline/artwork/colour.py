"""Pixel-level normalisation for print: colour profiles, bit depth, palettes, orientation, alpha.

The helpers work on bands of an image as readily as on whole images: the print file is built
band by band (see `examination.py`), so no full-size converted or rotated copy is ever made.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from PIL import Image

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without littlecms: conversions fall back to plain formulas
    ImageCms = None  # type: ignore[assignment]

PRINT_MODES = ("RGB", "RGBA", "L", "LA")

# EXIF orientation -> the transposition that shows the image upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
ORIENTATION_WORDS = {
    2: "it displays mirrored left to right",
    3: "it displays turned 180°",
    4: "it displays mirrored top to bottom",
    5: "it displays mirrored and turned 90° anticlockwise",
    6: "it displays turned 90° clockwise",
    7: "it displays mirrored and turned 90° clockwise",
    8: "it displays turned 90° anticlockwise",
}


def swaps_sides(orientation: int) -> bool:
    return orientation in (5, 6, 7, 8)


# ---------------------------------------------------------------------------------------------
# ICC profiles


@dataclass(frozen=True)
class Profile:
    """An embedded ICC profile as far as printing cares: its data space and whether it is sRGB."""

    data: bytes = field(repr=False)
    space: str  # from the profile header: "RGB", "CMYK", "GRAY", "Lab", ...
    name: str | None
    is_srgb: bool
    readable: bool


def read_profile(data: bytes | None) -> Profile | None:
    if not data:
        return None
    # The data colour space sits at bytes 16..20 of every ICC header; no library needed.
    space = data[16:20].decode("ascii", errors="replace").strip() if len(data) >= 128 else ""
    name = None
    readable = len(data) >= 128 and data[36:40] == b"acsp"
    if readable and ImageCms is not None:
        try:
            name = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(data))).strip() or None
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            readable = False
    lowered = (name or "").lower()
    is_srgb = space == "RGB" and ("srgb" in lowered or "61966-2" in lowered)
    return Profile(data=data, space=space, name=name, is_srgb=is_srgb, readable=readable)


def profile_fits(profile: Profile, mode: str) -> bool:
    """Whether the profile describes data of this Pillow mode (an RGB profile on CMYK does not)."""
    if mode in ("L", "LA", "1") or mode.startswith("I"):
        return profile.space == "GRAY"
    return profile.space == {"RGB": "RGB", "RGBA": "RGB", "P": "RGB", "CMYK": "CMYK"}.get(mode)


def srgb_transform(profile: Profile, mode: str) -> tuple[object | None, str | None]:
    """A reusable transform from `profile` (data in `mode`: CMYK, RGB or RGBA) to sRGB, built once
    and applied band by band. Returns (transform, None) or (None, why it could not be built)."""
    if ImageCms is None:
        return None, "colour management (littlecms) is not available"
    out_mode = "RGB" if mode == "CMYK" else mode
    # CMYK needs a gamut mapping (perceptual); RGB to RGB keeps in-gamut colours exact.
    intent = ImageCms.Intent.PERCEPTUAL if mode == "CMYK" else ImageCms.Intent.RELATIVE_COLORIMETRIC
    try:
        transform = ImageCms.buildTransform(
            ImageCms.ImageCmsProfile(io.BytesIO(profile.data)), ImageCms.createProfile("sRGB"),
            mode, out_mode, renderingIntent=intent, flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        return None, str(exc) or type(exc).__name__
    return transform, None


def apply_transform(band: Image.Image, transform: object) -> Image.Image:
    if band.mode == "CMYK":
        return ImageCms.applyTransform(band, transform)  # type: ignore[arg-type,return-value]
    ImageCms.applyTransform(band, transform, inPlace=True)  # type: ignore[arg-type]
    return band


# ---------------------------------------------------------------------------------------------
# Modes and orientation


def target_mode(mode: str, has_transparency_key: bool) -> str:
    """The print mode an image of `mode` is normalised to (8-bit, RGB or grayscale, +alpha)."""
    if mode in ("RGBA", "LA", "PA"):
        return "LA" if mode == "LA" else "RGBA"
    if mode in ("L", "1") or mode.startswith("I"):
        return "LA" if has_transparency_key and mode == "L" else "L"
    return "RGBA" if has_transparency_key else "RGB"


def to_mode(im: Image.Image, mode: str) -> Image.Image:
    """`im` in `mode`, scaling 16-bit gray down instead of clipping it as Pillow's convert does."""
    if im.mode == mode:
        return im
    if im.mode.startswith("I"):
        # point() on I/I;16 is a linear transform done in C; /257 maps 0..65535 onto 0..255.
        im = im.point(lambda v: v / 257)
    return im.convert(mode)


def source_box(orientation: int, size: tuple[int, int], y0: int, y1: int) -> tuple[int, int, int, int]:
    """The region of the stored image that becomes rows y0..y1 of the upright image."""
    width, height = size
    if orientation in (5, 6):
        return (y0, 0, y1, height)
    if orientation in (7, 8):
        return (width - y1, 0, width - y0, height)
    if orientation in (3, 4):
        return (0, height - y1, width, height - y0)
    return (0, y0, width, y1)


def upright(band: Image.Image, orientation: int) -> Image.Image:
    method = _UPRIGHT.get(orientation)
    return band if method is None else band.transpose(method)


# ---------------------------------------------------------------------------------------------
# Alpha and colours


@dataclass(frozen=True)
class AlphaStats:
    transparent: float  # share of pixels with alpha 0
    partial: float  # share with 0 < alpha < 255

    @property
    def opaque(self) -> bool:
        return self.transparent == 0 and self.partial == 0


def alpha_stats(histogram: list[int]) -> AlphaStats:
    """Shares of transparent and semi-transparent pixels from a 256-bin alpha histogram."""
    total = sum(histogram) or 1
    return AlphaStats(transparent=histogram[0] / total,
                      partial=(total - histogram[0] - histogram[255]) / total)


def flatten_on_white(im: Image.Image) -> Image.Image:
    """RGB for a JPEG preview; transparent areas become white."""
    if im.mode in ("RGBA", "LA"):
        rgba = im.convert("RGBA") if im.mode == "LA" else im
        flat = Image.new("RGB", im.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return im.convert("RGB")


def dominant_colors(im: Image.Image, max_colors: int = 5) -> list[tuple[int, int, int]]:
    """Up to `max_colors` colours, most common first, from the visible (alpha ≥ 128) pixels.

    Median cut on a ≤128 px copy, then shades closer than `_SAME_COLOUR` merge into the more
    common one, and colours under 1% of the visible area are dropped: a gradient background
    counts once, and a flat two-colour design returns two colours rather than invented shades.
    """
    work = im.copy()
    work.thumbnail((128, 128))
    rgb = work.convert("RGB")
    if work.mode in ("RGBA", "LA"):
        # Only visible pixels may steer the quantiser; at ≤128² pixels a Python pass is cheap.
        alpha = work.getchannel("A").get_flattened_data()
        visible = [p for p, a in zip(rgb.get_flattened_data(), alpha) if a >= 128]
        if not visible:
            return []
        rgb = Image.new("RGB", (len(visible), 1))
        rgb.putdata(visible)
    quantized = rgb.quantize(colors=max_colors + 3, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette() or []
    found = sorted(((count, tuple(palette[3 * i:3 * i + 3])) for count, i in quantized.getcolors(256) or []),
                   reverse=True)
    merged: list[list] = []  # [count, colour], most common first
    for count, rgb_value in found:
        near = next((m for m in merged if math.dist(m[1], rgb_value) < _SAME_COLOUR), None)
        if near:
            near[0] += count
        else:
            merged.append([count, rgb_value])
    merged.sort(key=lambda m: -m[0])
    total = sum(m[0] for m in merged)
    return [m[1] for m in merged if m[0] / total >= 0.01][:max_colors]  # type: ignore[misc]


_SAME_COLOUR = 28  # Euclidean RGB distance under which two shades count as one colour
