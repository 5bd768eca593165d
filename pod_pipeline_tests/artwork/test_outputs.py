"""The facts and derived files an accepted artwork comes back with."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from PIL import Image, JpegImagePlugin

from pod_pipeline.artwork import ArtworkInfo, inspect_artwork, process_artwork
from pod_pipeline_tests.artwork.builders import artwork, exif_with_orientation, save


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


@pytest.mark.parametrize("fmt, name", [("PNG", "a.png"), ("JPEG", "a.jpg")])
def test_sha256_is_of_the_original_bytes(tmp_path, rules, fmt, name):
    path = save(artwork(), tmp_path / name, fmt)
    info = process_artwork(path, rules).info
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert info.size_bytes == path.stat().st_size


def test_jpeg_named_png_is_read_as_jpeg(tmp_path, rules):
    path = save(artwork(), tmp_path / "really-a-photo.png", "JPEG")
    info = inspect_artwork(path, rules)
    assert info.format == "JPEG" and info.extension == ".jpg"
    assert info.print_ready  # the pixels are fine; stored copies should be named by `extension`
    assert info.warnings == ("the file is a JPEG although its name ends in .png; it was read as JPEG",)


def test_a_name_without_extension_is_not_a_problem(tmp_path, rules):
    info = inspect_artwork(save(artwork(), tmp_path / "upload", "PNG"), rules)
    assert info.format == "PNG" and info.warnings == ()


@pytest.mark.parametrize("fmt, size, expected", [
    ("PNG", (3000, 2000), (1024, 683)),
    ("JPEG", (2000, 3000), (683, 1024)),
    ("PNG", (800, 600), (800, 600)),  # never enlarged
])
def test_preview_is_a_jpeg_within_the_box(tmp_path, rules, fmt, size, expected):
    path = save(artwork(size), tmp_path / f"p.{fmt.lower()}", fmt)
    preview = opened(process_artwork(path, rules).preview_jpeg)
    assert preview.format == "JPEG" and preview.mode == "RGB"
    assert preview.size == expected


def test_preview_size_is_configurable_and_keeps_the_colours(tmp_path, rules):
    path = save(artwork((1200, 800)), tmp_path / "p.png")
    preview = opened(process_artwork(path, rules, preview_px=300).preview_jpeg)
    assert preview.size == (300, 200)
    r, g, b = preview.getpixel((20, 15))  # inside the red corner block
    assert r > 200 and g < 60 and b < 60


def test_print_ready_jpeg_is_decoded_at_reduced_scale(tmp_path, rules, monkeypatch):
    requested = []
    original_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        requested.append(size)
        return original_draft(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    path = save(artwork((4000, 3000)), tmp_path / "big.jpg", "JPEG")
    process_artwork(path, rules)
    assert requested == [(1024, 768)]

    # A JPEG that needs a print file is decoded at full size instead.
    requested.clear()
    path = save(artwork((400, 300)), tmp_path / "turned.jpg", "JPEG", exif=exif_with_orientation(6))
    assert process_artwork(path, rules).print_png is not None
    assert requested == []


def test_dominant_colours_come_from_the_visible_pixels(tmp_path, rules):
    source = Image.new("RGBA", (100, 100), (255, 255, 255, 0))  # transparent white must not count
    source.paste((200, 30, 30, 255), (0, 0, 60, 100))
    source.paste((30, 30, 200, 255), (60, 0, 100, 50))
    colours = process_artwork(save(source, tmp_path / "flag.png"), rules).dominant_colors
    assert len(colours) == 2
    assert max(abs(a - b) for a, b in zip(colours[0], (200, 30, 30))) <= 8
    assert max(abs(a - b) for a, b in zip(colours[1], (30, 30, 200))) <= 8


def test_dominant_colours_of_a_busy_image(tmp_path, rules):
    colours = process_artwork(save(artwork((600, 400)), tmp_path / "busy.png"), rules).dominant_colors
    assert 3 <= len(colours) <= 5
    assert all(len(c) == 3 and all(0 <= v <= 255 for v in c) for c in colours)


def test_metadata_is_plain_and_complete(tmp_path, rules):
    path = save(artwork(mode="RGBA"), tmp_path / "m.png")
    info = inspect_artwork(path, rules)
    metadata = info.to_metadata()
    assert json.loads(json.dumps(metadata)) == metadata
    assert {"format", "width", "height", "mode", "bits_per_channel", "has_alpha", "color_space",
            "icc_profile", "exif_orientation", "size_bytes", "sha256", "warnings", "print_ready",
            "megapixels"} <= set(metadata)
    assert metadata["warnings"] == list(info.warnings)


@pytest.mark.parametrize("build", [
    lambda p: save(artwork((500, 300)), p / "a.png"),
    lambda p: save(artwork((500, 300)), p / "a.jpg", "JPEG"),
    lambda p: save(artwork((500, 300)).convert("CMYK"), p / "c.jpg", "JPEG", exif=exif_with_orientation(6)),
    lambda p: save(artwork((500, 300)).quantize(8), p / "q.png", transparency=0),
])
def test_inspect_and_process_agree(tmp_path, rules, build):
    path = build(tmp_path)
    inspected = inspect_artwork(path, rules)
    assert isinstance(inspected, ArtworkInfo)
    assert inspected == process_artwork(path, rules).info
