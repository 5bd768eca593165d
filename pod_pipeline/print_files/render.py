"""Rendering one print file per print area from the decoded artwork (decoded once by the caller).

Each file is the crop (`crop.py`) resized to the area at the target dpi, never upscaled (a crop
with fewer pixels keeps its own, and its effective dpi says so), with the product's bleed
(`product_rules.py`): taken from the artwork beyond the crop where there is some, mirrored from
the edge where the crop meets the border. The file is written top to bottom in bands (PNG,
`PngBandWriter`); Pillow reads the pixels around each band's box when it resizes, so the seams
are invisible. The decoded image is the only full-size buffer: a band is a few megabytes."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image

from pod_pipeline.artwork.pngstream import PngBandWriter
from pod_pipeline.print_files.areas import PrintArea
from pod_pipeline.print_files.crop import Crop, crop_for
from pod_pipeline.print_files.focal import Focal

MM_PER_INCH = 25.4
BAND_PIXELS = 2_000_000
PNG_COMPRESS_LEVEL = 3  # zlib: files within a few percent of level 6, written about twice as fast


@dataclass(frozen=True)
class PrintFile:
    area: PrintArea
    crop: Crop
    width_px: int  # the whole file, bleed included
    height_px: int
    bleed_px: int
    effective_dpi: float
    data: bytes

    @property
    def extension(self) -> str:
        return self.area.rule.extension

    @property
    def content_type(self) -> str:
        return self.area.rule.content_type


def target_size(area: PrintArea, crop: Crop, target_dpi: float) -> tuple[int, int, float]:
    """The trim area's pixels at the target dpi, or fewer: a crop is never upscaled."""
    want_w = area.width_mm / MM_PER_INCH * target_dpi
    # slice: the crop has the area's aspect; meet: the area's box around the whole artwork.
    span = crop.width if area.fit_method == "slice" else max(crop.width, crop.height * area.width_mm / area.height_mm)
    scale = min(1.0, want_w / span)
    width = max(1, round(span * scale))
    height = max(1, round(width * area.height_mm / area.width_mm))
    return width, height, scale


def render(image: Image.Image, area: PrintArea, focal: Focal, target_dpi: float) -> PrintFile:
    crop = crop_for(image.width, image.height, area.width_mm, area.height_mm, focal, area.fit_method)
    out_w, out_h, scale = target_size(area, crop, target_dpi)
    dpi = out_w / (area.width_mm / MM_PER_INCH)
    bleed = math.ceil(area.rule.bleed_mm / MM_PER_INCH * dpi) if area.rule.bleed_mm else 0
    mode = "RGBA" if area.rule.keeps_alpha and "A" in image.getbands() else "RGB"
    width, height = out_w + 2 * bleed, out_h + 2 * bleed
    out = io.BytesIO()
    writer = PngBandWriter(out, width, height, mode, compress_level=PNG_COMPRESS_LEVEL)
    bands = (_slice_bands(image, crop, scale, bleed, out_w, out_h) if area.fit_method == "slice"
             else _meet_bands(image, scale, bleed, out_w, out_h, mode))
    for band in bands:
        writer.add(band if band.mode == mode else _on_white(band))
    writer.close()
    return PrintFile(area, crop, width, height, bleed, round(dpi, 1), out.getvalue())


def render_all(image: Image.Image, areas: list[PrintArea], focal: Focal, target_dpi: float) -> Iterator[PrintFile]:
    source = image if image.mode in ("RGB", "RGBA") else image.convert("RGBA" if "A" in image.getbands() else "RGB")
    for area in areas:
        yield render(source, area, focal, target_dpi)


def _on_white(band: Image.Image) -> Image.Image:
    # No alpha on paper or ceramics: the artwork on white, as it prints on white stock.
    flat = Image.new("RGB", band.size, "white")
    flat.paste(band, mask=band.getchannel("A"))
    return flat


def _slice_bands(image: Image.Image, crop: Crop, scale: float, bleed: int, out_w: int, out_h: int
                 ) -> Iterator[Image.Image]:
    # The part of the bleed-extended box the artwork covers, and where it lands in the file.
    reach = bleed / scale
    left, top = max(0.0, crop.left - reach), max(0.0, crop.top - reach)
    right, bottom = min(float(image.width), crop.right + reach), min(float(image.height), crop.bottom + reach)
    x0, y0 = bleed - round((crop.left - left) * scale), bleed - round((crop.top - top) * scale)
    x1 = bleed + out_w + round((right - crop.right) * scale)
    y1 = bleed + out_h + round((bottom - crop.bottom) * scale)
    width, height = out_w + 2 * bleed, out_h + 2 * bleed
    step = (bottom - top) / (y1 - y0)

    def rows(a: int, b: int) -> Image.Image:
        """File rows [a, b) of the covered part, with the side bleed mirrored in."""
        resized = image.resize((x1 - x0, b - a), Image.LANCZOS,
                               box=(left, top + (a - y0) * step, right, top + (b - y0) * step))
        if x0 == 0 and x1 == width:
            return resized
        band = Image.new(resized.mode, (width, b - a))
        band.paste(resized, (x0, 0))
        if x0 > 0:
            band.paste(resized.crop((0, 0, x0, b - a)).transpose(Image.FLIP_LEFT_RIGHT), (0, 0))
        if x1 < width:
            gap = width - x1
            band.paste(resized.crop((x1 - x0 - gap, 0, x1 - x0, b - a)).transpose(Image.FLIP_LEFT_RIGHT), (x1, 0))
        return band

    if y0 > 0:  # top bleed the artwork does not reach: the first rows, mirrored
        yield rows(y0, 2 * y0).transpose(Image.FLIP_TOP_BOTTOM)
    per_band = max(16, BAND_PIXELS // width)
    for a in range(y0, y1, per_band):
        yield rows(a, min(y1, a + per_band))
    if y1 < height:
        gap = height - y1
        yield rows(y1 - gap, y1).transpose(Image.FLIP_TOP_BOTTOM)


def _meet_bands(image: Image.Image, scale: float, bleed: int, out_w: int, out_h: int, mode: str
                ) -> Iterator[Image.Image]:
    """The whole artwork centred in the area, margins white (transparent for apparel)."""
    art_w, art_h = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    width, height = out_w + 2 * bleed, out_h + 2 * bleed
    x0, y0 = bleed + (out_w - art_w) // 2, bleed + (out_h - art_h) // 2
    blank = (255, 255, 255, 0) if mode == "RGBA" else (255, 255, 255)
    step = image.height / art_h
    per_band = max(16, BAND_PIXELS // width)
    for a in range(0, height, per_band):
        b = min(height, a + per_band)
        band = Image.new(mode, (width, b - a), blank)
        lo, hi = max(a, y0), min(b, y0 + art_h)
        if lo < hi:
            art = image.resize((art_w, hi - lo), Image.LANCZOS,
                               box=(0, (lo - y0) * step, image.width, (hi - y0) * step))
            if mode == "RGB" and art.mode == "RGBA":
                art = _on_white(art)
            band.paste(art, (x0, lo - a), art if art.mode == "RGBA" else None)
        yield band
