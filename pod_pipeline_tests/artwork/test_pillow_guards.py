"""Pillow's process-wide switches must not decide what gets printed."""

from __future__ import annotations

import warnings

import pytest
from PIL import Image, ImageFile

from pod_pipeline.artwork import ArtworkRejected, process_artwork
from pod_pipeline.settings import PrintRules
from pod_pipeline_tests.artwork.builders import artwork, encode, exif_with_orientation, save


def test_pillows_max_image_pixels_does_not_overrule_the_sellers_limit(tmp_path, monkeypatch):
    path = save(artwork((3000, 3000)), tmp_path / "large.png", exif=exif_with_orientation(6))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2_000_000)
    with pytest.raises(Image.DecompressionBombError):  # what Image.open would have done
        Image.open(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        result = process_artwork(path, PrintRules(max_pixels=10_000_000))
    assert (result.info.width, result.info.height) == (3000, 3000)
    assert result.print_png is not None


def test_a_global_load_truncated_images_does_not_let_truncated_files_through(tmp_path, monkeypatch):
    data = encode(artwork((400, 300)), "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) * 2 // 3])
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(ArtworkRejected) as refused:
        process_artwork(path, PrintRules())
    assert refused.value.code == "corrupt"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the caller's setting is restored
