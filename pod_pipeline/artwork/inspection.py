"""Checking an uploaded artwork file and preparing it for print, in one pass over the pixels.

`process_artwork` is what the pipeline runs; `inspect_artwork` is the same check without the
preview and print file. Both raise `ArtworkRejected` (with a `.code` and a seller-readable
`.reason`) for a file that cannot be printed. How each kind of input is handled:

- Format comes from the content, never the name (see `sniffing.py`). PNG and JPEG are accepted;
  a JPEG named .png is read as JPEG with a warning. GIF, WebP, TIFF, BMP, HEIC, SVG, PSD, ... are
  `unsupported_format` (Gelato takes JPEG/PNG/PDF and we have no PDF path: PDF says so).
  Text, HTML pages, archives and other non-images are `not_an_image`, naming what they look like.
- A missing file is `unreadable`; a zero-byte file is `empty`; a file over `rules.max_file_bytes`
  is `too_large_file`, decided from its size on disk before a byte is read.
- Dimensions come from the header (the PNG/JPEG plugin is instantiated directly, so Pillow's
  global `MAX_IMAGE_PIXELS` check in `Image.open` never runs and cannot overrule the seller's
  `rules.max_pixels`, up or down; the bands we later crop stay far below it). Over the limit is
  `decompression_bomb`, before any decoding.
  PNG text chunks that inflate past Pillow's limits are refused with the same code.
- The pixels are then decoded exactly once with `ImageFile.LOAD_TRUNCATED_IMAGES` forced off,
  so a cut-off or damaged file is `corrupt` instead of silently printed half grey. A print-ready
  JPEG is decoded at reduced scale (`Image.draft`), which still reads the whole entropy stream.
- An image that is entirely transparent is `blank`: nothing would print.
- Conversions that make `print_ready` False and produce `print_png` (untagged sRGB, 8-bit, no
  EXIF): CMYK -> sRGB (via the embedded ICC profile when there is one, else Pillow's formula);
  16-bit -> 8-bit; palette and 1-bit -> RGB(A)/grayscale; a colour-key transparency -> alpha;
  RGB with a non-sRGB ICC profile -> sRGB (kept as is, with a warning, if that fails); a profile
  that does not match the data or cannot be read is dropped; EXIF orientation != 1 -> the
  rotation is applied and the tag dropped, so Gelato cannot rotate a second time; an animated
  PNG -> its first frame. Width and height are always reported as printed (after orientation).
- Kept but warned about: alpha (apparel wants transparency, but transparent areas print as the
  paper or garment colour, and semi-transparent pixels print speckled on DTG); a fully opaque
  alpha channel is only noted. Grayscale is print-ready as it is.

Memory: the sha256 is streamed from disk in 1 MiB chunks. The decoded image is the only
full-size buffer (Pillow cannot decode PNG at reduced scale; a print-ready JPEG is decoded at
1/2-1/8 scale). Rotation, conversion, the print PNG and the preview are all produced band by band
from it (`examination.py`, `pngstream.py`), so a file that needs a print file costs little more
than one that does not. `memory_probe.py` measures the peak on a 10,000 × 10,000 px PNG.
"""

from __future__ import annotations

from pathlib import Path

from pod_pipeline.artwork.examination import Examination
from pod_pipeline.artwork.model import REJECTION_CODES, ArtworkInfo, ArtworkRejected, ProcessedArtwork
from pod_pipeline.settings.model import PrintRules

__all__ = [
    "REJECTION_CODES",
    "ArtworkInfo",
    "ArtworkRejected",
    "ProcessedArtwork",
    "inspect_artwork",
    "process_artwork",
]


def inspect_artwork(path: Path, rules: PrintRules) -> ArtworkInfo:
    """Validate the file and describe it; raises `ArtworkRejected`. See the module docstring."""
    return Examination(Path(path), rules, preview_px=None).execute().info


def process_artwork(path: Path, rules: PrintRules, preview_px: int = 1024) -> ProcessedArtwork:
    """Validate the file, and build its preview and (when needed) its normalised print file in
    the same decode. Raises `ArtworkRejected`; see the module docstring for what is decided how."""
    if preview_px < 1:
        raise ValueError("preview_px must be positive")
    return Examination(Path(path), rules, preview_px=preview_px).execute()

