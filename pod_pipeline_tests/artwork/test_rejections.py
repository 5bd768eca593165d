"""Every kind of bad upload is refused with the right code and a sentence a seller can act on."""

from __future__ import annotations

import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from pod_pipeline.artwork import REJECTION_CODES
from pod_pipeline.settings import PrintRules
from pod_pipeline_tests.artwork.builders import (
    artwork,
    chunk,
    encode,
    jpeg_claiming_size,
    png_claiming_size,
    save,
)


def test_zero_byte_file(tmp_path, rejection):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    refused = rejection(path)
    assert (refused.code, refused.reason) == ("empty", "file is empty (0 bytes)")


def test_missing_file_and_directory_are_unreadable(tmp_path, rejection):
    assert rejection(tmp_path / "gone.png").code == "unreadable"
    (tmp_path / "folder.png").mkdir()
    assert rejection(tmp_path / "folder.png").code == "unreadable"


def test_text_renamed_png(tmp_path, rejection):
    path = tmp_path / "notes.png"
    path.write_text("Shopping list\n- eggs\n- frames\n", encoding="utf-8")
    refused = rejection(path)
    assert refused.code == "not_an_image"
    assert refused.reason == "not an image: the file's content is plain text (its name says .png)"


def test_html_error_page_says_what_it_is(tmp_path, rejection):
    path = tmp_path / "download.jpg"
    path.write_text("<!DOCTYPE html><html><body>Access denied</body></html>", encoding="utf-8")
    refused = rejection(path)
    assert refused.code == "not_an_image"
    assert "HTML web page (its name says .jpg)" in refused.reason
    assert "error or sign-in page" in refused.reason


def test_pdf_is_not_supported_yet(tmp_path, rejection):
    path = save(artwork(), tmp_path / "poster.pdf", "PDF")
    refused = rejection(path)
    assert refused.code == "unsupported_format"
    assert refused.reason.startswith("PDF uploads aren't supported yet")


@pytest.mark.parametrize("fmt, label", [("GIF", "GIF"), ("WEBP", "WebP"), ("TIFF", "TIFF"), ("BMP", "BMP")])
def test_other_image_formats_are_refused_by_content(tmp_path, rejection, fmt, label):
    # Named .png on purpose: the content decides, and the reason quotes the misleading name.
    path = save(artwork(), tmp_path / "art.png", fmt)
    refused = rejection(path)
    assert refused.code == "unsupported_format"
    assert refused.reason.startswith(f"unsupported format {label} (its name says .png); upload PNG or JPEG")


def test_heic_gets_advice(tmp_path, rejection):
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200)
    refused = rejection(path)
    assert refused.code == "unsupported_format"
    assert "HEIC" in refused.reason and "export it as JPEG" in refused.reason


def test_truncated_png(tmp_path, rejection):
    data = encode(artwork((400, 300)), "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    refused = rejection(path)
    assert refused.code == "corrupt"
    assert refused.reason.startswith("truncated or corrupt PNG: ")
    assert "ends before the image data" in refused.reason


def test_truncated_jpeg_is_caught_even_on_the_reduced_scale_decode(tmp_path, rejection):
    # A print-ready JPEG is decoded with draft(); that path must still notice the missing data.
    data = encode(artwork((1600, 1200)), "JPEG", quality=90)
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: int(len(data) * 0.6)])
    refused = rejection(path)
    assert refused.code == "corrupt"
    assert refused.reason.startswith("truncated or corrupt JPEG: ")


def test_png_with_damaged_pixel_data(tmp_path, rejection):
    data = bytearray(encode(artwork((400, 300)), "PNG", compress_level=1))
    start = data.index(b"IDAT") + 4
    data[start + 200:start + 264] = b"\xff" * 64
    path = tmp_path / "damaged.png"
    path.write_bytes(bytes(data))
    assert rejection(path).code == "corrupt"


def test_png_header_checksum_error(tmp_path, rejection):
    data = bytearray(encode(artwork((40, 30)), "PNG"))
    data[29] ^= 0xFF  # inside IHDR's CRC
    path = tmp_path / "bad-crc.png"
    path.write_bytes(bytes(data))
    refused = rejection(path)
    assert refused.code == "corrupt"
    assert "checksum" in refused.reason


def test_decompression_bomb_png_refused_from_the_header(tmp_path, rejection):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming_size(30_000, 30_000))
    assert path.stat().st_size < 200
    started = time.perf_counter()
    refused = rejection(path)
    assert time.perf_counter() - started < 1  # 900 MP were never allocated, let alone decoded
    assert refused.code == "decompression_bomb"
    assert refused.reason == (
        "image is 30000 × 30000 px (900 MP); the limit is 250 MP, refused before decoding as a "
        "possible decompression bomb"
    )


def test_decompression_bomb_jpeg_refused_from_the_header(tmp_path, rejection):
    path = tmp_path / "bomb.jpg"
    path.write_bytes(jpeg_claiming_size(encode(artwork((64, 64)), "JPEG"), 65_000, 65_000))
    refused = rejection(path)
    assert refused.code == "decompression_bomb"
    assert "65000 × 65000 px" in refused.reason


def test_png_text_chunk_bomb(tmp_path, rejection):
    # 2 MB of text squeezed into a few KB of zTXt, ahead of the pixels.
    ztxt = b"Comment\x00\x00" + zlib.compress(b"a" * 2_000_000, 9)
    png = encode(artwork((20, 20)), "PNG")
    ihdr_end = 8 + 25
    path = tmp_path / "text-bomb.png"
    path.write_bytes(png[:ihdr_end] + chunk(b"zTXt", ztxt) + png[ihdr_end:])
    refused = rejection(path)
    assert refused.code == "decompression_bomb"
    assert "metadata" in refused.reason


def test_the_sellers_pixel_limit_applies(tmp_path, rejection):
    path = save(artwork((2000, 1000)), tmp_path / "big.png")
    refused = rejection(path, PrintRules(max_pixels=1_000_000))
    assert refused.code == "decompression_bomb"
    assert "2000 × 1000 px (2 MP); the limit is 1 MP" in refused.reason


def test_file_over_the_size_limit_is_refused_without_reading_it(tmp_path, rejection, monkeypatch):
    path = save(artwork((300, 200)), tmp_path / "big.png")

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_reading)
    refused = rejection(path, PrintRules(max_file_bytes=1024))
    assert refused.code == "too_large_file"
    assert refused.reason.endswith("the limit is 1 KB")


def test_completely_transparent_image_is_blank(tmp_path, rejection):
    path = save(Image.new("RGBA", (50, 50), (255, 0, 0, 0)), tmp_path / "nothing.png")
    refused = rejection(path)
    assert (refused.code, refused.reason) == ("blank", "the image is completely transparent, so nothing would print")


def test_unknown_binary_data(tmp_path, rejection):
    path = tmp_path / "x.png"
    path.write_bytes(bytes(range(256)) * 4)
    refused = rejection(path)
    assert refused.code == "not_an_image"
    assert refused.code in REJECTION_CODES
    assert str(refused) == refused.reason
    assert refused.reason == (
        "not an image: the file's content is binary data of no image format we recognise (its name says .png)"
    )
