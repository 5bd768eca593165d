from __future__ import annotations

from PIL import Image

from pod_pipeline.artwork.memory_probe import measure_peak_memory, write_probe_png


def test_probe_png_is_a_valid_gradient_image(tmp_path):
    path = write_probe_png(tmp_path / "probe.png", 640, 480, orientation=6)
    with Image.open(path) as im:
        im.load()
        assert (im.size, im.mode, im.getexif()[0x0112]) == ((640, 480), "RGB", 6)
        colours = im.getcolors(1 << 20)
        assert colours is None or len(colours) > 1000  # smooth gradients, not a flat fill


def test_probe_measures_a_child_process():
    # A small image keeps this quick; the real 10,000 px figure comes from `python -m ...memory_probe`.
    result = measure_peak_memory(1200, 1200, orientation=6)
    assert result.peak_rss_bytes > result.width * result.height * 4  # at least one decoded copy
    assert result.peak_rss_bytes < 1 << 30
    assert result.print_file_bytes and "peak RSS" in result.describe()
