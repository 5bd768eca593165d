"""Print files per print area, on the bundled sandbox templates: every file has its placeholder's
aspect, keeps the subject where the aspect allows, carries the bleed its product needs, is never
upscaled, and keeps transparency for apparel; hostile focal boxes are refused."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pod_pipeline.gelato.models import Template
from pod_pipeline.print_files.areas import print_areas
from pod_pipeline.print_files.contact_sheet import contact_sheet
from pod_pipeline.print_files.crop import crop_for
from pod_pipeline.print_files.focal import Focal, estimate_focal
from pod_pipeline.print_files.product_rules import WALL_ART_BLEED_MM, rule_for
from pod_pipeline.print_files.render import MM_PER_INCH, render_all
from pod_pipeline.tools.sandbox.seed import load_catalog

TEMPLATES = [Template.model_validate(t) for t in load_catalog().templates.values()]


def areas(fit="slice"):
    return print_areas([(t, fit, None, None) for t in TEMPLATES])


def subject_image(width: int, height: int, box: tuple[float, float, float, float], mode="RGB") -> Image.Image:
    """A quiet background with one busy, bright subject in `box` (fractions)."""
    image = Image.new(mode, (width, height), (40, 60, 90, 0) if mode == "RGBA" else (40, 60, 90))
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = box[0] * width, box[1] * height, box[2] * width, box[3] * height
    step = max(2, int((x1 - x0) / 12))
    for i, x in enumerate(range(int(x0), int(x1), step)):
        draw.rectangle([x, y0, x + step - 1, y1], fill=(250, 200, 40, 255) if i % 2 else (240, 240, 240, 255))
    return image


def test_placeholders_of_one_size_share_a_file_and_each_product_kind_has_its_rule():
    found = {a.key: a for a in areas()}
    assert len(found) == 8  # 5 poster sizes, the tee's front, two mug wraps
    tee = next(a for a in found.values() if a.rule.kind == "apparel")
    assert len(tee.uses) == 8 and {u.placeholder for u in tee.uses} == {"ImageFront"}
    assert (rule_for("Poster").bleed_mm, rule_for("T-shirt").bleed_mm, rule_for("Mug").bleed_mm) == (4.0, 0, 0)
    assert (rule_for("T-shirt").keeps_alpha, rule_for("Poster").keeps_alpha, rule_for("Mug").keeps_alpha) == (True, False, False)


def test_every_file_has_its_areas_aspect_keeps_the_subject_and_carries_its_bleed():
    image = subject_image(3000, 4000, (0.55, 0.05, 0.9, 0.3))  # subject high on the right
    focal = estimate_focal(image)
    assert focal.x0 >= 0.45 and focal.y1 <= 0.45  # the estimate finds it
    for made in render_all(image, areas(), focal, target_dpi=300):
        area = made.area
        trim_w, trim_h = made.width_px - 2 * made.bleed_px, made.height_px - 2 * made.bleed_px
        assert abs(trim_w / trim_h - area.width_mm / area.height_mm) <= 0.005 * area.width_mm / area.height_mm
        with Image.open(io.BytesIO(made.data)) as opened:
            assert opened.size == (made.width_px, made.height_px)
            assert opened.format == area.rule.format
        if area.rule.kind == "wall_art":
            assert made.bleed_px == pytest.approx(WALL_ART_BLEED_MM / MM_PER_INCH * made.effective_dpi, abs=1)
        else:
            assert made.bleed_px == 0
        crop = made.crop
        fx0, fy0, fx1, fy1 = focal.in_pixels(image.width, image.height)
        fits = (fx1 - fx0) <= crop.width + 1e-6 and (fy1 - fy0) <= crop.height + 1e-6
        assert crop.focal_inside == fits
        assert made.effective_dpi <= 300.05  # at most the target
        never_upscaled = trim_w <= crop.width + 1
        assert never_upscaled


def test_a_portrait_artwork_on_a_mug_wrap_keeps_its_subject():
    image = subject_image(2400, 3600, (0.3, 0.62, 0.7, 0.8))  # the subject in the lower part
    focal = estimate_focal(image)
    mug = next(a for a in areas() if a.key.startswith("216x95mm"))
    crop = crop_for(image.width, image.height, mug.width_mm, mug.height_mm, focal)
    centred = crop_for(image.width, image.height, mug.width_mm, mug.height_mm, Focal(0.4, 0.4, 0.6, 0.6))
    assert crop.focal_inside and crop.top > centred.top  # moved down to the subject
    assert crop.cut["bottom"] < 0.3 and crop.loss > 0.5
    [made] = [m for m in render_all(image, [mug], focal, 300)]
    with Image.open(io.BytesIO(made.data)) as opened:
        pixels = np.asarray(opened.convert("RGB"), dtype=np.float32)
    assert (pixels[..., 0] > 200).mean() > 0.2  # the bright subject is on the mug


def test_bleed_is_taken_from_the_artwork_or_mirrored_never_blank():
    image = subject_image(3000, 4000, (0.2, 0.2, 0.8, 0.8))
    poster = next(a for a in areas() if a.key.startswith("300x400mm"))
    [made] = list(render_all(image, [poster], Focal(0.2, 0.2, 0.8, 0.8), 300))
    with Image.open(io.BytesIO(made.data)) as opened:
        pixels = np.asarray(opened.convert("RGB"))
    b = made.bleed_px
    assert b > 0
    # The artwork is exactly 3:4 like the poster: the crop is the whole image, every bleed is mirrored.
    assert np.abs(pixels[:b, :].astype(int) - pixels[2 * b - 1:b - 1:-1, :].astype(int)).mean() < 8
    assert not (pixels[:b] == 255).all()


def test_meet_keeps_the_whole_artwork_and_apparel_keeps_its_transparency():
    image = subject_image(2000, 1000, (0.1, 0.1, 0.9, 0.9), mode="RGBA")
    made = {m.area.rule.kind: m for m in render_all(image, areas("meet"), Focal(0.1, 0.1, 0.9, 0.9), 300)}
    tee = made["apparel"]
    with Image.open(io.BytesIO(tee.data)) as opened:
        assert opened.mode == "RGBA" and opened.getchannel("A").getextrema()[0] == 0  # transparent margins
    assert tee.crop.cut == {} and tee.crop.loss > 0  # nothing cut; the empty share recorded


@pytest.mark.parametrize("values", [[0, 0, 1], [0.5, 0.5, 0.2, 0.9], [-0.1, 0, 1, 1], [0, 0, 1.5, 1],
                                    ["a", 0, 1, 1], [float("nan"), 0, 1, 1], "0,0,1,1", None])
def test_hostile_focal_boxes_are_refused(values):
    with pytest.raises((ValueError, TypeError)):
        Focal.from_list(values, "seller")


def test_the_contact_sheet_draws_every_crop():
    image = subject_image(1200, 1600, (0.3, 0.3, 0.7, 0.7))
    focal = estimate_focal(image)
    crops = [(a.key, crop_for(image.width, image.height, a.width_mm, a.height_mm, focal)) for a in areas()]
    with Image.open(io.BytesIO(contact_sheet(image, crops, focal))) as sheet:
        assert sheet.format == "PNG" and sheet.height > 675 and sheet.width == 675
