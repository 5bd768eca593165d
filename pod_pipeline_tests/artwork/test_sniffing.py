from __future__ import annotations

import pytest

from pod_pipeline.artwork.sniffing import rejection_reason, sniff


@pytest.mark.parametrize("head, fmt", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
    (b"\xff\xd8\xff\xe1\x00\x10Exif", "JPEG"),
])
def test_accepted_formats(head, fmt):
    assert sniff(head).format == fmt


@pytest.mark.parametrize("head, code, what", [
    (b"GIF89a\x01\x00", "unsupported_format", "GIF"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "unsupported_format", "WebP"),
    (b"II*\x00\x08\x00\x00\x00", "unsupported_format", "TIFF"),
    (b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00", "unsupported_format", "BMP"),
    (b"8BPS\x00\x01", "unsupported_format", "PSD (Photoshop document)"),
    (b"\x00\x00\x00\x1cftypavif", "unsupported_format", "AVIF"),
    (b"%PDF-1.7\n", "unsupported_format", "PDF"),
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">', "unsupported_format", "SVG (a vector image)"),
    (b"PK\x03\x04\x14\x00", "not_an_image", "a ZIP archive (or an Office document)"),
    (b"\x00\x00\x00\x18ftypmp42", "not_an_image", "a video (MP4/QuickTime)"),
    (b"{\"id\": 1}", "not_an_image", "JSON data"),
    (b"data:image/png;base64,iVBORw0KGgo=", "not_an_image", "a base64 'data:' URL (text), not the image file itself"),
    (b"\xef\xbb\xbfBread, milk, eggs\r\n", "not_an_image", "plain text"),
    ("Crème brûlée, café au lait\n".encode("latin-1"), "not_an_image", "plain text"),
    (b"BMW service booklet, page 2\n", "not_an_image", "plain text"),  # text, though it starts with BM
])
def test_refused_content(head, code, what):
    found = sniff(head)
    assert (found.format, found.code, found.what) == (None, code, what)


def test_reasons_quote_the_name_only_when_it_misleads():
    found = sniff(b"just words")
    assert rejection_reason(found, ".png") == "not an image: the file's content is plain text (its name says .png)"
    assert rejection_reason(found, "") == "not an image: the file's content is plain text"
    assert rejection_reason(found, ".txt") == "not an image: the file's content is plain text"
    assert rejection_reason(sniff(b"GIF87a"), ".gif") == "unsupported format GIF; upload PNG or JPEG"
    assert rejection_reason(sniff(b"GIF87a"), ".jpg") == "unsupported format GIF (its name says .jpg); upload PNG or JPEG"
