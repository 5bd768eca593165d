"""What changes between the upload and the print file, and what is reported about it."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageOps

from pod_pipeline.artwork import inspect_artwork, process_artwork
from pod_pipeline_tests.artwork.builders import (
    artwork,
    exif_with_orientation,
    matrix_rgb_icc,
    rgb16_png,
    save,
    srgb_icc,
)


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.mode == b.mode and a.tobytes() == b.tobytes()


def has_warning(info, *words: str) -> bool:
    return any(all(word in warning for word in words) for warning in info.warnings)


# -- orientation -------------------------------------------------------------------------------


def test_exif_orientation_6_jpeg_prints_upright(tmp_path, rules):
    stored = artwork((300, 200))  # red block marks the stored top-left corner
    path = save(stored, tmp_path / "phone.jpg", "JPEG", quality=95, exif=exif_with_orientation(6))
    result = process_artwork(path, rules)
    info = result.info
    assert (info.width, info.height) == (200, 300)  # as printed, not as stored
    assert info.exif_orientation == 6 and not info.print_ready
    assert has_warning(info, "EXIF orientation 6", "rotation applied")
    printed = opened(result.print_png)
    assert printed.format == "PNG" and printed.size == (200, 300)
    # Turned 90° clockwise, the stored top-left corner ends up top-right.
    r, g, b = printed.getpixel((190, 10))
    assert r > 200 and g < 60 and b < 60
    assert 0x0112 not in printed.getexif()  # Gelato must not rotate it a second time
    assert opened(result.preview_jpeg).size == (200, 300)


@pytest.mark.parametrize("orientation", range(2, 9))
def test_every_orientation_matches_pillows_exif_transpose(tmp_path, rules, orientation):
    stored = artwork((61, 37))
    path = save(stored, tmp_path / "o.png", exif=exif_with_orientation(orientation))
    result = process_artwork(path, rules)
    with Image.open(path) as original:
        expected = ImageOps.exif_transpose(original).convert("RGB")
    assert same_pixels(opened(result.print_png), expected)
    assert (result.info.width, result.info.height) == expected.size


def test_invalid_orientation_is_ignored_with_a_warning(tmp_path, rules):
    path = save(artwork((60, 40)), tmp_path / "odd.jpg", "JPEG", exif=exif_with_orientation(9))
    info = inspect_artwork(path, rules)
    assert info.exif_orientation == 1 and info.print_ready
    assert (info.width, info.height) == (60, 40)
    assert has_warning(info, "EXIF orientation 9 is not a valid value")


# -- colour --------------------------------------------------------------------------------------


def test_cmyk_jpeg_becomes_an_rgb_print_file(tmp_path, rules):
    path = save(artwork((240, 160)).convert("CMYK"), tmp_path / "press.jpg", "JPEG", quality=95)
    result = process_artwork(path, rules)
    info = result.info
    assert (info.mode, info.color_space, info.print_ready) == ("CMYK", "CMYK", False)
    assert has_warning(info, "CMYK", "sRGB", "without a colour profile")
    printed = opened(result.print_png)
    assert printed.mode == "RGB" and printed.size == (240, 160)
    r, g, b = printed.getpixel((10, 10))  # the red corner survives the round trip
    assert r > 200 and g < 60 and b < 60
    assert opened(result.preview_jpeg).mode == "RGB"


def test_cmyk_with_an_rgb_profile_drops_the_profile(tmp_path, rules):
    path = save(artwork((60, 40)).convert("CMYK"), tmp_path / "odd.jpg", "JPEG", icc_profile=srgb_icc())
    info = process_artwork(path, rules).info
    assert has_warning(info, "does not match the CMYK image data")
    assert has_warning(info, "CMYK", "plain formula")


def test_srgb_profile_is_print_ready(tmp_path, rules):
    path = save(artwork(), tmp_path / "tagged.png", icc_profile=srgb_icc())
    result = process_artwork(path, rules)
    info = result.info
    assert info.print_ready and result.print_png is None
    assert (info.color_space, info.icc_profile, info.icc_profile_name) == ("sRGB", True, "sRGB built-in")
    assert info.warnings == ()


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_wide_gamut_profile_is_converted_to_srgb(tmp_path, rules, mode):
    source = Image.new(mode, (40, 20), (100, 150, 200, 128)[: len(mode)])
    path = save(source, tmp_path / "wide.png", icc_profile=matrix_rgb_icc())
    result = process_artwork(path, rules)
    info = result.info
    assert info.color_space == "RGB (non-sRGB profile)" and not info.print_ready
    assert info.icc_profile_name == "Test Wide RGB (Adobe RGB primaries)"
    assert has_warning(info, "converted from the embedded profile", "to sRGB")
    printed = opened(result.print_png)
    assert printed.mode == mode
    assert "icc_profile" not in printed.info  # sRGB is the untagged default; no stale profile
    pixel = printed.getpixel((5, 5))
    assert pixel[:3] != (100, 150, 200) and abs(pixel[0] - 66) <= 3  # Adobe RGB red 100 -> sRGB ~66
    if mode == "RGBA":
        assert pixel[3] == 128


def test_unreadable_profile_is_dropped(tmp_path, rules):
    path = save(artwork((40, 30)), tmp_path / "junk-profile.png", icc_profile=b"not a profile" * 20)
    result = process_artwork(path, rules)
    assert not result.info.print_ready
    assert has_warning(result.info, "colour profile is unreadable")
    assert "icc_profile" not in opened(result.print_png).info


def test_grayscale_is_print_ready(tmp_path, rules):
    path = save(artwork(mode="L"), tmp_path / "gray.png")
    result = process_artwork(path, rules)
    assert result.info.color_space == "grayscale" and result.info.print_ready
    assert opened(result.preview_jpeg).mode == "RGB"


# -- bit depth and palettes ------------------------------------------------------------------------


def test_16_bit_rgb_png_gets_an_8_bit_print_file(tmp_path, rules):
    pixels = [[(65535, 32768, 0), (0, 65535, 4096)], [(257, 514, 771), (65535, 65535, 65535)]]
    path = tmp_path / "deep.png"
    path.write_bytes(rgb16_png(pixels))
    result = process_artwork(path, rules)
    info = result.info
    assert (info.bits_per_channel, info.mode, info.print_ready) == (16, "RGB", False)
    assert has_warning(info, "16-bit", "8 bits per channel")
    assert result.print_png[24] == 8  # the IHDR bit depth of the print file
    printed = opened(result.print_png)
    assert printed.mode == "RGB"
    assert printed.getpixel((0, 0)) == (255, 128, 0)


def test_16_bit_grayscale_is_scaled_not_clipped(tmp_path, rules):
    source = Image.new("I;16", (4, 1))
    source.putdata([0, 257, 32768, 65535])
    path = save(source, tmp_path / "gray16.png")
    result = process_artwork(path, rules)
    assert (result.info.mode, result.info.bits_per_channel) == ("I;16", 16)
    assert result.print_png[24] == 8
    printed = opened(result.print_png)
    assert printed.mode == "L"
    assert list(printed.get_flattened_data()) == [0, 1, 127, 255]


def test_palette_with_transparency_becomes_rgba(tmp_path, rules):
    source = artwork((80, 60)).quantize(16)
    source.info["transparency"] = source.getpixel((70, 5))
    path = save(source, tmp_path / "indexed.png", transparency=source.info["transparency"])
    result = process_artwork(path, rules)
    info = result.info
    assert (info.mode, info.has_alpha, info.print_ready) == ("P", True, False)
    assert has_warning(info, "palette (indexed-colour) image converted to RGBA")
    printed = opened(result.print_png)
    assert printed.mode == "RGBA" and printed.getpixel((70, 5))[3] == 0


def test_one_bit_image_becomes_grayscale(tmp_path, rules):
    path = save(artwork((64, 64)).convert("1"), tmp_path / "lineart.png")
    result = process_artwork(path, rules)
    assert opened(result.print_png).mode == "L"
    assert has_warning(result.info, "1-bit")


def test_rgb_colour_key_becomes_an_alpha_channel(tmp_path, rules):
    source = Image.new("RGB", (20, 10), (0, 255, 0))
    source.paste((9, 9, 9), (0, 0, 10, 10))
    path = save(source, tmp_path / "keyed.png", transparency=(0, 255, 0))
    result = process_artwork(path, rules)
    assert result.info.has_alpha and not result.info.print_ready
    printed = opened(result.print_png)
    assert printed.mode == "RGBA"
    assert printed.getpixel((15, 5))[3] == 0 and printed.getpixel((5, 5)) == (9, 9, 9, 255)


# -- alpha --------------------------------------------------------------------------------------------


def test_alpha_is_kept_with_a_warning(tmp_path, rules):
    source = artwork((200, 100), mode="RGBA")
    source.paste((0, 0, 0, 0), (100, 0, 200, 100))  # right half transparent
    path = save(source, tmp_path / "tee.png")
    result = process_artwork(path, rules)
    info = result.info
    assert info.has_alpha and info.print_ready and result.print_png is None  # the original is fine
    assert has_warning(info, "50% of the image is transparent", "garment colour")
    assert opened(result.preview_jpeg).getpixel((190, 50)) >= (245, 245, 245)  # composited on white


def test_alpha_survives_a_print_file(tmp_path, rules):
    source = artwork((200, 100), mode="RGBA")
    source.paste((0, 0, 0, 0), (100, 0, 200, 100))
    path = save(source, tmp_path / "tee-rotated.png", exif=exif_with_orientation(8))
    result = process_artwork(path, rules)
    printed = opened(result.print_png)
    assert printed.mode == "RGBA" and printed.size == (100, 200)
    assert same_pixels(printed, source.transpose(Image.Transpose.ROTATE_90))


def test_semi_transparent_pixels_are_called_out(tmp_path, rules):
    source = artwork((100, 100), mode="RGBA")
    source.putalpha(Image.linear_gradient("L").resize((100, 100)))
    info = process_artwork(save(source, tmp_path / "glow.png"), rules).info
    assert has_warning(info, "semi-transparent", "garments")


def test_fully_opaque_alpha_is_only_noted(tmp_path, rules):
    info = process_artwork(save(artwork(mode="RGBA"), tmp_path / "opaque.png"), rules).info
    assert info.print_ready and info.has_alpha
    assert info.warnings == ("has an alpha channel but no transparent pixels; it prints as an opaque image",)


def test_transparency_on_a_grayscale_image_is_measured(tmp_path, rules):
    source = artwork((100, 100), mode="LA")
    source.putalpha(Image.new("L", (100, 100), 255))
    source.paste((0, 0), (0, 0, 25, 100))
    info = inspect_artwork(save(source, tmp_path / "gray-alpha.png"), rules)
    assert info.color_space == "grayscale" and info.print_ready
    assert has_warning(info, "25% of the image is transparent")


def test_print_file_equals_the_original_pixels_when_only_metadata_changes(tmp_path, rules):
    # A palette image without transparency: the print file is exactly the palette's colours.
    source = artwork((90, 70)).quantize(32)
    result = process_artwork(save(source, tmp_path / "p.png"), rules)
    assert ImageChops.difference(opened(result.print_png), source.convert("RGB")).getbbox() is None
