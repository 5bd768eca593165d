"""Checks made before any pixel is decoded, and guards around Pillow's process-wide switches."""

from __future__ import annotations

import hashlib
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, ImageFile

from pod_pipeline.artwork.model import ArtworkRejected
from pod_pipeline.settings.model import PrintRules

_HASH_CHUNK = 1 << 20

# ---------------------------------------------------------------------------------------------
# Guards around Pillow's process-wide switches

_truncation_lock = threading.Lock()
_strict_users = 0
_saved_truncation_flag = False


@contextmanager
def refuse_truncated_data() -> Iterator[None]:
    """Force `ImageFile.LOAD_TRUNCATED_IMAGES` off while any of our decodes runs.

    It is a module global other code may have switched on; a counter restores it only when the
    last concurrent decode of ours ends. Code in other threads sees it off meanwhile - the safe
    direction.
    """
    global _strict_users, _saved_truncation_flag
    with _truncation_lock:
        if _strict_users == 0:
            _saved_truncation_flag = ImageFile.LOAD_TRUNCATED_IMAGES
        _strict_users += 1
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        with _truncation_lock:
            _strict_users -= 1
            if _strict_users == 0:
                ImageFile.LOAD_TRUNCATED_IMAGES = _saved_truncation_flag


# ---------------------------------------------------------------------------------------------
# Small helpers


def _megapixels(pixels: int) -> str:
    mp = pixels / 1e6
    if mp >= 10:
        return f"{mp:.0f}"
    return f"{mp:.1f}".removesuffix(".0") if mp >= 1 else f"{mp:.2g}"


def _file_size(num: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if num >= scale:
            return f"{num / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{num} bytes"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


_DAMAGE_WORDS = (
    ("image file is truncated", "the file ends before the image data does (an incomplete upload?)"),
    ("truncated file read", "the file ends before the image data does (an incomplete upload?)"),
    ("broken data stream", "the compressed image data is damaged"),
)


def _damage(fmt: str, exc: BaseException) -> ArtworkRejected:
    detail = str(exc) or type(exc).__name__
    for needle, words in _DAMAGE_WORDS:
        if needle in detail.lower():
            detail = words
            break
    return ArtworkRejected("corrupt", f"truncated or corrupt {fmt}: {detail}")


def pillow_failure(fmt: str, exc: BaseException) -> ArtworkRejected:
    if isinstance(exc, Image.DecompressionBombError) or (
        isinstance(exc, ValueError) and ("too large" in str(exc) or "Too much memory" in str(exc))
    ):
        return ArtworkRejected(
            "decompression_bomb",
            f"the {fmt}'s compressed metadata expands far beyond its size; refused as a possible "
            "decompression bomb",
        )
    return _damage(fmt, exc)


# Errors Pillow raises for bad data while reading a header or decoding. MemoryError and the like
# are deliberately absent: they are the machine's problem, not the seller's file.
BAD_DATA = (SyntaxError, OSError, ValueError, EOFError, IndexError, TypeError, KeyError,
            struct.error, zlib.error, Image.DecompressionBombError)


# ---------------------------------------------------------------------------------------------
# Refusals made from the file's size and header alone


def checked_size(path: Path, rules: PrintRules) -> int:
    """The file's size; refuses missing, empty and oversized files before reading a byte."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ArtworkRejected("unreadable", f"the file cannot be read ({exc.strerror or exc})") from None
    if not path.is_file():
        raise ArtworkRejected("unreadable", "the upload is not a regular file")
    if stat.st_size == 0:
        raise ArtworkRejected("empty", "file is empty (0 bytes)")
    if stat.st_size > rules.max_file_bytes:
        raise ArtworkRejected(
            "too_large_file",
            f"file is {_file_size(stat.st_size)}; the limit is {_file_size(rules.max_file_bytes)}",
        )
    return stat.st_size


def refuse_bomb(width: int, height: int, rules: PrintRules) -> None:
    """Refuse, from header dimensions, an image whose decoded pixels would exceed the limit."""
    pixels = width * height
    if pixels > rules.max_pixels:
        raise ArtworkRejected(
            "decompression_bomb",
            f"image is {width} × {height} px ({_megapixels(pixels)} MP); the limit is "
            f"{_megapixels(rules.max_pixels)} MP, refused before decoding as a possible "
            "decompression bomb",
        )
