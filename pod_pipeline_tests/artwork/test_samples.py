"""The demo's sample set: quick to write, identical every time, and each file does what it is for."""

from __future__ import annotations

import time

import pytest

from pod_pipeline.artwork import ArtworkRejected, process_artwork
from pod_pipeline.artwork.samples import SAMPLES, write_sample_set
from pod_pipeline.settings import PrintRules

MM_PER_INCH = 25.4


@pytest.fixture(scope="module")
def sample_set(tmp_path_factory):
    started = time.perf_counter()
    paths = write_sample_set(tmp_path_factory.mktemp("samples"))
    return paths, time.perf_counter() - started


def test_the_set_is_written_quickly_and_small(sample_set):
    paths, seconds = sample_set
    assert [p.name for p in paths] == [s.name for s in SAMPLES]
    assert seconds < 10  # about 1 s on two cores; generous for slow CI machines
    assert sum(p.stat().st_size for p in paths) < 5 * 1024 * 1024


def test_the_set_is_deterministic(sample_set, tmp_path):
    paths, _ = sample_set
    again = write_sample_set(tmp_path)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]


@pytest.mark.parametrize("spec", SAMPLES, ids=[s.name for s in SAMPLES])
def test_each_sample_has_its_expected_outcome(sample_set, spec):
    paths, _ = sample_set
    path = next(p for p in paths if p.name == spec.name)
    if spec.expected != "accepted":
        with pytest.raises(ArtworkRejected) as refused:
            process_artwork(path, PrintRules())
        assert refused.value.code == spec.expected
        return
    result = process_artwork(path, PrintRules())
    assert result.info.print_ready is spec.print_ready
    assert (result.info.width, result.info.height) == spec.size_px
    assert (result.print_png is None) is spec.print_ready


def test_poster_artworks_reach_150_dpi_on_70x100_cm():
    for spec in SAMPLES[:2]:
        width, height = spec.size_px
        # Slice into 5:7: the tighter side decides.
        dpi = min(width / (700 / MM_PER_INCH), height / (1000 / MM_PER_INCH))
        assert dpi >= 150, spec.name


def test_the_panorama_and_the_doodle_are_the_awkward_ones():
    panorama = next(s for s in SAMPLES if s.name == "lake-panorama.jpg")
    width, height = panorama.size_px
    assert 1 - (1000 / 700) / (width / height) > 0.35  # crops too much of a 70×100 cm landscape poster
    doodle = next(s for s in SAMPLES if s.name == "tiny-doodle.png")
    assert doodle.size_px[0] / (100 / MM_PER_INCH) < 150  # under 150 dpi even at 10 cm


def test_the_cmyk_sample_is_rotated_and_cmyk(sample_set):
    paths, _ = sample_set
    info = process_artwork(next(p for p in paths if "cmyk" in p.name), PrintRules()).info
    assert (info.mode, info.exif_orientation) == ("CMYK", 6)
