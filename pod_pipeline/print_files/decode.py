"""Decoding the stored print file once (it is sRGB and upright already: `artworks` made it so)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, JpegImagePlugin, PngImagePlugin

_SIGNATURES = {b"\x89PNG": PngImagePlugin.PngImageFile, b"\xff\xd8\xff": JpegImagePlugin.JpegImageFile}


def decode_print_file(path: Path, max_pixels: int) -> Image.Image:
    """The pixels, loaded; refused past `max_pixels` before decoding (the plugin is used directly,
    so Pillow's own bomb limit does not overrule the seller's)."""
    with path.open("rb") as handle:
        head = handle.read(4)
    plugin = next((p for signature, p in _SIGNATURES.items() if head.startswith(signature)), None)
    if plugin is None:
        raise ValueError("the stored print file is neither PNG nor JPEG")
    image = plugin(str(path))
    if image.width * image.height > max_pixels:
        image.close()
        raise ValueError(f"the print file has {image.width}×{image.height} px, past print.max_pixels")
    image.load()
    return image
