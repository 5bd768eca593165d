"""Small, deterministic image files for the artwork tests, including the malformed ones."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw


def artwork(size: tuple[int, int] = (300, 200), mode: str = "RGB") -> Image.Image:
    """Smooth gradients with a few shapes: every row and column differs, so any wrong rotation
    or crop shows up in a pixel comparison."""
    width, height = size
    ramp = Image.linear_gradient("L")
    im = Image.merge("RGB", [
        ramp.transpose(Image.Transpose.TRANSPOSE).resize(size),
        ramp.resize(size),
        Image.radial_gradient("L").resize(size),
    ])
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, width // 5, height // 5), fill=(255, 0, 0))  # marks the top-left corner
    draw.ellipse((width // 2, height // 3, width * 4 // 5, height * 2 // 3), fill=(20, 40, 200))
    return im if mode == "RGB" else im.convert(mode)


def save(im: Image.Image, path: Path, fmt: str | None = None, **options: object) -> Path:
    im.save(path, fmt, **options)
    return path


def encode(im: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def exif_with_orientation(value: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def raw_png(width: int, height: int, bit_depth: int, colour_type: int, pixel_rows: bytes) -> bytes:
    """A PNG assembled by hand (filter 0 on every row) - for what Pillow cannot write, such as
    16-bit RGB, or an IHDR that lies about the size."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(pixel_rows))
            + chunk(b"IEND", b""))


def rgb16_png(pixels: list[list[tuple[int, int, int]]]) -> bytes:
    rows = b"".join(b"\x00" + b"".join(struct.pack(">HHH", *p) for p in row) for row in pixels)
    return raw_png(len(pixels[0]), len(pixels), 16, 2, rows)


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG header announcing a huge image: the classic decompression bomb."""
    return raw_png(width, height, 8, 2, b"\x00" * 64)


def jpeg_claiming_size(jpeg: bytes, width: int, height: int) -> bytes:
    """`jpeg` with its SOF0 frame header rewritten to announce width × height."""
    sof = jpeg.index(b"\xff\xc0")
    return jpeg[:sof + 5] + struct.pack(">HH", height, width) + jpeg[sof + 9:]


# -- ICC profiles ------------------------------------------------------------------------------

def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)


def _curve(gamma: float) -> bytes:
    return b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"


def _description(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_text)) + ascii_text
            + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67)


def matrix_rgb_icc(description: str = "Test Wide RGB (Adobe RGB primaries)") -> bytes:
    """A minimal ICC v2 RGB display profile with Adobe RGB (1998) primaries and gamma 2.2, built
    by hand because littlecms can only create sRGB/Lab/XYZ profiles and tests have no files."""
    tags = [
        (b"desc", _description(description)),
        (b"cprt", b"text" + b"\0" * 4 + b"public domain\0"),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(0.60974, 0.31111, 0.01947)),
        (b"gXYZ", _xyz(0.20528, 0.62567, 0.06087)),
        (b"bXYZ", _xyz(0.14919, 0.06322, 0.74457)),
        (b"rTRC", _curve(2.2)),
        (b"gTRC", _curve(2.2)),
        (b"bTRC", _curve(2.2)),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"\0" * 4 + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
              + struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 4 + b"\0" * 4 + b"\0" * 8
              + b"\0" * 8 + struct.pack(">I", 0) + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 4
              + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def srgb_icc() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
