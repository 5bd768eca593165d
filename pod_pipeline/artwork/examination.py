"""The single pass over an accepted file: decode once, then stream it through the print pipeline.

After the decode, the image is walked in horizontal bands of the *upright* result: each band is
cut from the stored pixels, turned upright, converted to print mode and sRGB, then counted for
alpha, appended to the print PNG (`PngBandWriter`) and box-reduced into the preview canvas. The
decoded image is the only full-size buffer; everything else is band- or preview-sized.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image, ImageFile, JpegImagePlugin, PngImagePlugin

from pod_pipeline.artwork import colour
from pod_pipeline.artwork.guards import (
    BAD_DATA,
    checked_size,
    pillow_failure,
    refuse_bomb,
    refuse_truncated_data,
    sha256_of,
)
from pod_pipeline.artwork.model import EXTENSIONS, ArtworkInfo, ArtworkRejected, ProcessedArtwork
from pod_pipeline.artwork.planning import Facts, Plan, colour_space, plan_conversions
from pod_pipeline.artwork.pngstream import PngBandWriter
from pod_pipeline.artwork.sniffing import HEAD_BYTES, rejection_reason, sniff
from pod_pipeline.settings.model import PrintRules

_PLUGINS = {"PNG": PngImagePlugin.PngImageFile, "JPEG": JpegImagePlugin.JpegImageFile}
PREVIEW_QUALITY = 85
PRINT_PNG_COMPRESS_LEVEL = 6
_BAND_PIXELS = 1_000_000  # a band is at most this many pixels (~4 MB), whatever the aspect


class Examination:
    """One check of one file. `preview_px=None` inspects only: no preview, no print file."""

    def __init__(self, path: Path, rules: PrintRules, preview_px: int | None) -> None:
        self.path, self.rules, self.preview_px = path, rules, preview_px
        self.warnings: list[str] = []

    def execute(self) -> ProcessedArtwork:
        size = checked_size(self.path, self.rules)
        with self.path.open("rb") as fp, refuse_truncated_data():
            head = fp.read(HEAD_BYTES)
            fmt = self._sniffed_format(head)
            fp.seek(0)
            try:
                # The plugin itself, not Image.open, whose MAX_IMAGE_PIXELS check would overrule
                # rules.max_pixels (see inspection.py's docstring).
                im = _PLUGINS[fmt](fp)
            except BAD_DATA as exc:
                raise pillow_failure(fmt, exc) from None
            try:
                return self._examine(im, head, fmt, size)
            finally:
                im.close()

    def _sniffed_format(self, head: bytes) -> str:
        suffix = self.path.suffix.lower()
        found = sniff(head)
        if found.format is None:
            raise ArtworkRejected(found.code or "not_an_image", rejection_reason(found, suffix))
        if suffix and suffix not in EXTENSIONS[found.format]:
            self.warnings.append(
                f"the file is a {found.format} although its name ends in {suffix}; it was read as {found.format}"
            )
        return found.format

    def _orientation(self, im: Image.Image) -> int:
        try:
            value = im.getexif().get(0x0112, 1)
        except Exception:  # EXIF parsing is best effort: bad metadata must not sink good pixels
            self.warnings.append("the EXIF metadata is unreadable and was ignored")
            return 1
        if value not in range(1, 9):
            self.warnings.append(f"EXIF orientation {value!r} is not a valid value; the image is used as stored")
            return 1
        return value

    @staticmethod
    def _fit(size: tuple[int, int], box: int) -> tuple[int, int]:
        width, height = size
        scale = min(1.0, box / max(width, height))
        return max(1, round(width * scale)), max(1, round(height * scale))

    # -- the pass ----------------------------------------------------------------------------

    def _examine(self, im: ImageFile.ImageFile, head: bytes, fmt: str, size: int) -> ProcessedArtwork:
        stored = im.size
        refuse_bomb(*stored, self.rules)
        facts = Facts(
            format=fmt, mode=im.mode,
            bits=16 if (fmt == "PNG" and head[12:16] == b"IHDR" and head[24] == 16) else 8,
            profile=colour.read_profile(im.info.get("icc_profile")),
            has_key="transparency" in im.info and im.mode in ("RGB", "L", "P"),
            animated=bool(getattr(im, "is_animated", False)),
        )
        sha256 = sha256_of(self.path)
        orientation = self._decode(im, facts)
        outputs = self.preview_px is not None
        plan = plan_conversions(facts, orientation if outputs else 1, self.warnings)
        print_ready = not facts.needs_print_file(orientation, plan.converts_profile)
        canvas, encoded = self._walk(im, facts, plan, outputs, print_ready)
        im.close()  # free the decoded pixels before the print PNG is copied out of its buffer

        width, height = (stored[1], stored[0]) if colour.swaps_sides(orientation) else stored
        info = ArtworkInfo(
            format=fmt, width=width, height=height, mode=facts.mode, bits_per_channel=facts.bits,
            has_alpha=facts.mode in ("RGBA", "LA") or facts.has_key,
            color_space=colour_space(facts), icc_profile=facts.profile is not None,
            exif_orientation=orientation, size_bytes=size, sha256=sha256,
            warnings=tuple(self.warnings), print_ready=print_ready,
            icc_profile_name=facts.profile.name if facts.profile else None,
        )
        if canvas is None:
            return ProcessedArtwork(info=info, preview_jpeg=b"", print_png=None, dominant_colors=[])
        return self._finish(info, canvas, encoded)

    def _decode(self, im: ImageFile.ImageFile, facts: Facts) -> int:
        """Decode the pixels (the one decode) and return the EXIF orientation."""
        # JPEG keeps EXIF before the pixels, so a print-ready JPEG is known before decoding and is
        # decoded small. PNG may put eXIf after the pixels, and is decoded whole regardless.
        orientation = self._orientation(im) if facts.format == "JPEG" else 1
        if facts.format == "JPEG":
            if self.preview_px is None:
                im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
            elif not facts.needs_print_file(orientation, facts.has_foreign_rgb_profile):
                im.draft(im.mode, self._fit(im.size, self.preview_px))
        try:
            im.load()
        except BAD_DATA as exc:
            raise pillow_failure(facts.format, exc) from None
        if facts.format == "PNG":
            orientation = self._orientation(im)
        if facts.animated:
            self.warnings.append("animated PNG: only the first frame prints")
        if orientation != 1:
            self.warnings.append(
                f"the file carries EXIF orientation {orientation} ({colour.ORIENTATION_WORDS[orientation]}); "
                "the print file has that rotation applied and the tag removed, so it prints the way it displays"
            )
        return orientation

    def _walk(self, im: Image.Image, facts: Facts, plan: Plan, outputs: bool,
              print_ready: bool) -> tuple[Image.Image | None, io.BytesIO | None]:
        """Stream the decoded pixels into the preview canvas and (if needed) the print PNG, and
        judge the alpha channel. Returns (canvas, encoded print PNG); both None when inspecting."""
        upright = (im.height, im.width) if colour.swaps_sides(plan.orientation) else im.size
        canvas = encoded = writer = None
        reduce_by = (1, 1)
        if outputs:
            reduce_by = self._reduction(upright)
            canvas = Image.new(plan.target, (math.ceil(upright[0] / reduce_by[0]),
                                             math.ceil(upright[1] / reduce_by[1])))
            if not print_ready:
                encoded = io.BytesIO()
                writer = PngBandWriter(encoded, *upright, plan.target, compress_level=PRINT_PNG_COMPRESS_LEVEL)
        measure_alpha = plan.target in ("RGBA", "LA")
        alpha = None
        if outputs or (measure_alpha and facts.mode not in ("RGBA", "LA")):
            alpha = self._stream(im, plan, upright, reduce_by, writer, canvas, measure_alpha)
        elif measure_alpha:  # inspecting an RGBA/LA file: one histogram of the decoded pixels
            alpha = im.histogram()[-256:]
        if writer:
            writer.close()
        if alpha is not None:
            self._judge_alpha(colour.alpha_stats(alpha))
        return canvas, encoded

    def _reduction(self, upright: tuple[int, int]) -> tuple[int, int]:
        """Integer (x, y) box-reduction from the upright image to the preview canvas: at most
        2× the preview, so one Lanczos resize finishes it. The y factor is capped so that a band
        of that many rows stays within `_BAND_PIXELS` even for a very wide panorama."""
        assert self.preview_px is not None
        factor = max(1, max(upright) // self.preview_px)
        return factor, max(1, min(factor, _BAND_PIXELS // upright[0]))

    def _stream(self, im: Image.Image, plan: Plan, upright: tuple[int, int], reduce_by: tuple[int, int],
                writer: PngBandWriter | None, canvas: Image.Image | None, measure_alpha: bool) -> list[int] | None:
        """Walk the upright image in bands; returns the alpha histogram if asked to measure it."""
        width, height = upright
        alpha = [0] * 256 if measure_alpha else None
        # Bands are whole multiples of the y reduction, so reducing them one by one gives exactly
        # what reducing the whole image would. Bands stay far below Pillow's MAX_IMAGE_PIXELS,
        # which crop() checks.
        step = reduce_by[1]
        rows = max(step, (_BAND_PIXELS // width) // step * step)
        for y0 in range(0, height, rows):
            band = plan.convert(im.crop(colour.source_box(plan.orientation, im.size, y0, min(height, y0 + rows))))
            if alpha is not None:
                alpha = [a + b for a, b in zip(alpha, band.histogram()[-256:])]
            if writer:
                writer.add(band)
            if canvas is not None:
                canvas.paste(band.reduce(reduce_by) if reduce_by != (1, 1) else band, (0, y0 // step))
        return alpha

    def _finish(self, info: ArtworkInfo, canvas: Image.Image, encoded: io.BytesIO | None) -> ProcessedArtwork:
        assert self.preview_px is not None
        box = self._fit((info.width, info.height), self.preview_px)
        small = canvas if canvas.size == box else canvas.resize(box, Image.Resampling.LANCZOS)
        preview = io.BytesIO()
        colour.flatten_on_white(small).save(preview, "JPEG", quality=PREVIEW_QUALITY)
        return ProcessedArtwork(
            info=info, preview_jpeg=preview.getvalue(), print_png=encoded.getvalue() if encoded else None,
            dominant_colors=colour.dominant_colors(small),
        )

    def _judge_alpha(self, stats: colour.AlphaStats) -> None:
        if stats.transparent == 1:
            raise ArtworkRejected("blank", "the image is completely transparent, so nothing would print")
        if stats.opaque:
            self.warnings.append("has an alpha channel but no transparent pixels; it prints as an opaque image")
            return

        def share(x: float) -> str:
            return "under 1%" if 0 < x < 0.01 else f"{x:.0%}"

        if stats.transparent:
            self.warnings.append(
                f"{share(stats.transparent)} of the image is transparent: those areas print as the "
                "paper or garment colour, not white"
            )
        if stats.partial > 0.02:
            self.warnings.append(
                f"{share(stats.partial)} of the pixels are semi-transparent (soft edges, shadows, glows); "
                "on garments these print as a faint, speckled layer"
            )
