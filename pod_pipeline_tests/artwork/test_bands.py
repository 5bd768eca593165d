"""The band machinery behind the print file: geometry per orientation, and the PNG writer."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageOps

from pod_pipeline.artwork import colour
from pod_pipeline.artwork.pngstream import PngBandWriter
from pod_pipeline_tests.artwork.builders import artwork


@pytest.mark.parametrize("orientation", range(1, 9))
def test_bands_reassemble_the_upright_image(orientation):
    stored = artwork((37, 23))
    stored.getexif()[0x0112] = orientation
    expected = ImageOps.exif_transpose(stored)
    width, height = expected.size
    assembled = Image.new("RGB", expected.size)
    for y0 in range(0, height, 5):  # 5 does not divide either side: the last band is short
        y1 = min(height, y0 + 5)
        band = colour.upright(stored.crop(colour.source_box(orientation, stored.size, y0, y1)), orientation)
        assert band.size == (width, y1 - y0)
        assembled.paste(band, (0, y0))
    assert assembled.tobytes() == expected.tobytes()


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA"])
def test_png_writer_round_trips(mode):
    source = artwork((53, 41), mode="RGBA")
    source.putalpha(Image.radial_gradient("L").resize((53, 41)))
    source = source.convert(mode)
    out = io.BytesIO()
    writer = PngBandWriter(out, 53, 41, mode)
    for y0, y1 in [(0, 1), (1, 17), (17, 40), (40, 41)]:
        writer.add(source.crop((0, y0, 53, y1)))
    writer.close()
    decoded = Image.open(io.BytesIO(out.getvalue()))
    decoded.load()
    assert decoded.mode == mode and decoded.tobytes() == source.tobytes()


def test_png_writer_refuses_inconsistent_input():
    writer = PngBandWriter(io.BytesIO(), 10, 4, "RGB")
    with pytest.raises(ValueError):
        writer.add(Image.new("RGBA", (10, 2)))
    writer.add(Image.new("RGB", (10, 2)))
    with pytest.raises(ValueError):
        writer.close()  # two rows short
    with pytest.raises(ValueError):
        PngBandWriter(io.BytesIO(), 10, 4, "CMYK")
