"""What an upload is, judged from its first bytes and never from its name.

Sellers rename files, browsers save HTML error pages under the name of the image they were
fetching, and phones export HEIC with a .jpg name. So the verdict comes from signatures; the
name is only quoted back in the message so the seller recognises the file.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from PIL import Image

HEAD_BYTES = 4096
"""How much of the file `sniff` wants: enough for every signature and a fair look at text."""

PRINTABLE_FORMATS = ("PNG", "JPEG")


@dataclass(frozen=True)
class Sniffed:
    """`format` is "PNG" or "JPEG" when the content is one we print; otherwise `code` and `what`
    say why not ("unsupported_format" / "not_an_image", and e.g. "GIF" / "plain text")."""

    format: str | None
    code: str | None = None
    what: str = ""
    advice: str = ""


_ACCEPTED = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
}

# Image formats we recognise but do not print. Gelato takes JPEG, PNG and PDF; the pipeline has
# no PDF path yet, so PDF is named here too, with its own wording.
_OTHER_IMAGES: list[tuple[int, bytes, str, str]] = [
    (0, b"GIF87a", "GIF", ""),
    (0, b"GIF89a", "GIF", ""),
    (0, b"II*\x00", "TIFF", ""),
    (0, b"MM\x00*", "TIFF", ""),
    (0, b"II+\x00", "TIFF", ""),
    (0, b"MM\x00+", "TIFF", ""),
    (0, b"8BPS", "PSD (Photoshop document)", "flatten it and export as PNG"),
    (0, b"\x00\x00\x01\x00", "ICO (icon)", ""),
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000", ""),
    (0, b"\xff\x4f\xff\x51", "JPEG 2000", ""),
    (0, b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL", ""),
    (0, b"\xff\x0a", "JPEG XL", ""),
    (0, b"qoif", "QOI", ""),
    (0, b"%!PS", "EPS/PostScript", "export the artwork as PNG or JPEG"),
    (0, b"\xc5\xd0\xd3\xc6", "EPS/PostScript", "export the artwork as PNG or JPEG"),
]

_NON_IMAGES: list[tuple[int, bytes, str]] = [
    (0, b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (0, b"\x1f\x8b", "a gzip archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"),
    (0, b"\x7fELF", "a program (ELF executable)"),
    (0, b"ID3", "an MP3 audio file"),
    (0, b"OggS", "an Ogg audio/video file"),
    (0, b"fLaC", "a FLAC audio file"),
    (0, b"\x1a\x45\xdf\xa3", "a Matroska/WebM video"),
    (0, b"SQLite format 3\x00", "an SQLite database"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office document"),
]

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
_VIDEO_BRANDS = {b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V ", b"qt  ", b"3gp4", b"3gp5"}


def _riff(head: bytes) -> Sniffed | None:
    if head[:4] != b"RIFF" or len(head) < 12:
        return None
    kind = head[8:12]
    if kind == b"WEBP":
        return Sniffed(None, "unsupported_format", "WebP", "export it as PNG or JPEG")
    if kind == b"WAVE":
        return Sniffed(None, "not_an_image", "a WAV audio file")
    if kind == b"AVI ":
        return Sniffed(None, "not_an_image", "an AVI video")
    return None


def _iso_media(head: bytes) -> Sniffed | None:
    # HEIF/AVIF/MP4 share the ISO box layout: a size, then "ftyp" and the major brand.
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in _HEIF_BRANDS:
        return Sniffed(None, "unsupported_format", "HEIC (the iPhone photo format)",
                       "export it as JPEG, or set the camera to 'Most Compatible'")
    if brand in (b"avif", b"avis"):
        return Sniffed(None, "unsupported_format", "AVIF", "export it as PNG or JPEG")
    if brand == b"crx ":
        return Sniffed(None, "unsupported_format", "Canon RAW (CR3)", "export it as JPEG or PNG")
    if brand in _VIDEO_BRANDS:
        return Sniffed(None, "not_an_image", "a video (MP4/QuickTime)")
    return None


def _decode_text(head: bytes) -> str | None:
    """The head as text if it plausibly is text (no NULs, almost no control bytes), else None."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):].decode(encoding, errors="replace")
    if not head or b"\x00" in head:
        return None
    controls = sum(1 for byte in head if byte < 0x20 and byte not in b"\t\n\r\x0c") + head.count(b"\x7f")
    if controls > len(head) // 100:
        return None
    # A multi-byte character may be cut at the end of the head; "replace" keeps that harmless.
    text = head.decode("utf-8", errors="replace")
    if text.count("\ufffd") > max(2, len(text) // 50):
        text = head.decode("latin-1")
    return text


def _describe_text(text: str) -> Sniffed:
    start = text.lstrip().lower()
    if start.startswith("<svg") or (start.startswith("<?xml") and "<svg" in start):
        return Sniffed(None, "unsupported_format", "SVG (a vector image)",
                       "export it as a PNG at the print size")
    if start.startswith(("<!doctype html", "<html", "<head", "<body")):
        return Sniffed(None, "not_an_image", "an HTML web page",
                       "the download probably returned an error or sign-in page instead of the image")
    if start.startswith("<?xml"):
        return Sniffed(None, "not_an_image", "an XML document")
    if start.startswith("data:image/"):
        return Sniffed(None, "not_an_image", "a base64 'data:' URL (text), not the image file itself")
    if start.startswith(("ivborw0kggo", "/9j/")):
        return Sniffed(None, "not_an_image", "base64-encoded image text, not the image file itself")
    if start.startswith(("{", "[")):
        return Sniffed(None, "not_an_image", "JSON data")
    return Sniffed(None, "not_an_image", "plain text")


def _pillow_knows(head: bytes) -> str | None:
    """The name of a rarer image format Pillow recognises (TGA, PCX, DDS, ...), if any."""
    Image.init()
    for name, (_factory, accept) in list(Image.OPEN.items()):
        if name in PRINTABLE_FORMATS or accept is None:
            continue
        try:
            verdict = accept(head)
        except Exception:  # a plugin's accept() is only a guess; a crash in one must not decide
            continue
        if verdict and not isinstance(verdict, str):
            return name
    return None


def sniff(head: bytes) -> Sniffed:
    """Classify the first bytes of a file (ideally `HEAD_BYTES` of them).

    Order matters: long, unambiguous signatures first; then text, because a few Pillow plugins
    accept two-byte prefixes (BMP's "BM", PPM's "P1".."P6") that ordinary text can start with;
    then Pillow's own registry for the long tail of image formats.
    """
    for signature, fmt in _ACCEPTED.items():
        if head.startswith(signature):
            return Sniffed(fmt)
    if head.startswith(b"%PDF-"):
        return Sniffed(None, "unsupported_format", "PDF")
    for offset, signature, label, advice in _OTHER_IMAGES:
        if head[offset:offset + len(signature)] == signature:
            return Sniffed(None, "unsupported_format", label, advice)
    for found in (_riff(head), _iso_media(head)):
        if found:
            return found
    for offset, signature, label in _NON_IMAGES:
        if head[offset:offset + len(signature)] == signature:
            return Sniffed(None, "not_an_image", label)
    text = _decode_text(head)
    if text is not None:
        return _describe_text(text)
    if head[:2] == b"BM":
        return Sniffed(None, "unsupported_format", "BMP")
    if head[:2] == b"MZ":
        return Sniffed(None, "not_an_image", "a Windows program (.exe)")
    known = _pillow_knows(head)
    if known:
        return Sniffed(None, "unsupported_format", known)
    return Sniffed(None, "not_an_image", "binary data of no image format we recognise")


# Extensions that honestly name a refused kind of content; quoting those back adds nothing.
_OWN_EXTENSIONS = {
    "GIF": (".gif",), "WebP": (".webp",), "TIFF": (".tif", ".tiff"), "BMP": (".bmp",),
    "PDF": (".pdf",), "AVIF": (".avif",), "HEIC (the iPhone photo format)": (".heic", ".heif"),
    "PSD (Photoshop document)": (".psd",), "SVG (a vector image)": (".svg",), "plain text": (".txt",),
    "an HTML web page": (".html", ".htm"), "JSON data": (".json",),
}


def rejection_reason(found: Sniffed, suffix: str) -> str:
    """A sentence for the seller. `suffix` is the file name's extension (may be empty); it is
    quoted only when it claims something the content is not."""
    misleading = suffix and suffix not in _OWN_EXTENSIONS.get(found.what, ())
    named = f" (its name says {suffix})" if misleading else ""
    if found.what == "PDF":
        return "PDF uploads aren't supported yet; export the artwork as PNG or JPEG"
    if found.code == "unsupported_format":
        advice = f" ({found.advice})" if found.advice else ""
        return f"unsupported format {found.what}{named}; upload PNG or JPEG{advice}"
    advice = f"; {found.advice}" if found.advice else ""
    return f"not an image: the file's content is {found.what}{named}{advice}"
