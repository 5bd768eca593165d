"""A PNG writer fed in horizontal bands, so a full-size image never has to exist at once.

Pillow's encoder needs the whole image, and a PNG's pixel data is one zlib stream, so rotating
or converting an upload for print would mean holding a second full-size copy. Here the caller
hands over bands (already rotated and converted) top to bottom and each is filtered and
compressed as it arrives. Every row uses PNG's "Up" filter (the byte above, modulo 256, done by
ImageChops in C): on artwork and photos it compresses within a few percent of Pillow's adaptive
choice, and encodes faster.
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

from PIL import Image, ImageChops

_COLOUR_TYPES = {"L": 0, "RGB": 2, "LA": 4, "RGBA": 6}
_IDAT_TARGET = 1 << 20  # bytes of compressed data per IDAT chunk


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class PngBandWriter:
    """`add()` bands of the same width and mode, top to bottom, then `close()`.

    `exif` (raw TIFF-structured bytes, no "Exif" prefix) is written as an eXIf chunk; print files
    leave it out on purpose.
    """

    def __init__(self, out: BinaryIO, width: int, height: int, mode: str, *, compress_level: int = 6,
                 exif: bytes | None = None) -> None:
        if mode not in _COLOUR_TYPES:
            raise ValueError(f"PngBandWriter writes {', '.join(_COLOUR_TYPES)}, not {mode}")
        self.out, self.width, self.height, self.mode = out, width, height, mode
        self.rows_written = 0
        self._compressor = zlib.compressobj(compress_level)
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._previous = Image.new(mode, (width, 1))  # the filter sees zeros above the first row
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPES[mode], 0, 0, 0)))
        if exif:
            out.write(_chunk(b"eXIf", exif))

    def add(self, band: Image.Image) -> None:
        if band.mode != self.mode or band.width != self.width:
            raise ValueError(f"band is {band.mode} {band.width} px wide; expected {self.mode} {self.width} px")
        if self.rows_written + band.height > self.height:
            raise ValueError("more rows than the header announced")
        above = Image.new(self.mode, band.size)
        above.paste(self._previous, (0, 0))
        if band.height > 1:
            above.paste(band.crop((0, 0, self.width, band.height - 1)), (0, 1))
        raw = ImageChops.subtract_modulo(band, above).tobytes()
        stride = len(raw) // band.height
        self._feed(b"".join(b"\x02" + raw[i * stride:(i + 1) * stride] for i in range(band.height)))
        self._previous = band.crop((0, band.height - 1, self.width, band.height))
        self.rows_written += band.height

    def _feed(self, filtered: bytes) -> None:
        if data := self._compressor.compress(filtered):
            self._pending.append(data)
            self._pending_bytes += len(data)
        if self._pending_bytes >= _IDAT_TARGET:
            self._flush_idat()

    def _flush_idat(self) -> None:
        if self._pending:
            self.out.write(_chunk(b"IDAT", b"".join(self._pending)))
            self._pending, self._pending_bytes = [], 0

    def close(self) -> None:
        if self.rows_written != self.height:
            raise ValueError(f"{self.rows_written} rows written; the header announced {self.height}")
        self._pending.append(self._compressor.flush())
        self._flush_idat()
        self.out.write(_chunk(b"IEND", b""))
