import pytest

from pod_pipeline.gelato.models import Template
from pod_pipeline.artwork.printability import fit, pixels_needed, placeholders_to_fill, template_verdict, variant_fit_rows
from pod_pipeline.settings import PrintRules


def poster(*sizes_mm):
    return Template.model_validate({
        "id": "tpl", "templateName": "poster", "title": "Poster", "variants": [
            {"id": f"v{i}", "title": f"{w}x{h}", "productUid": f"flat_{w}x{h}",
             "imagePlaceholders": [{"name": "ImageFront", "printArea": "1", "width": w, "height": h}]}
            for i, (w, h) in enumerate(sizes_mm)
        ]})


def test_pixels_needed_matches_the_reference_example():
    # reference: 244 × 137.25 mm at 300 dpi ≈ 2882 × 1621 px
    assert pixels_needed(244, 137.25, 300) == (2882, 1621)
    assert pixels_needed(700, 1000, 300) == (8268, 11811)


def test_slice_dpi_is_set_by_the_tighter_side():
    # 3000 × 3000 px on a 254 × 254 mm (10 in) square: 300 dpi both ways, nothing cropped
    same = fit(3000, 3000, 254, 254, "slice")
    assert same.effective_dpi == pytest.approx(300)
    assert same.aspect_mismatch == pytest.approx(0)
    # 6000 × 3000 on the same square: slice scales the height to 10 in → 300 dpi, crops half
    wide = fit(6000, 3000, 254, 254, "slice")
    assert wide.effective_dpi == pytest.approx(300)
    assert wide.aspect_mismatch == pytest.approx(0.5)


def test_meet_keeps_the_looser_side_and_leaves_margins():
    wide = fit(6000, 3000, 254, 254, "meet")
    assert wide.effective_dpi == pytest.approx(600)
    assert wide.aspect_mismatch == pytest.approx(0.5)


def test_template_is_skipped_when_one_variant_is_too_soft():
    rules = PrintRules(min_dpi=150, target_dpi=300)
    template = poster((203, 254), (700, 1000))
    rows = variant_fit_rows(template, 2400, 3000, rules)
    verdicts = {r["variant_title"]: r["verdict"] for r in rows}
    assert verdicts == {"203x254": "pass", "700x1000": "fail"}
    publishable, reason = template_verdict(rows)
    assert not publishable
    assert "(70×100 cm, ImageFront) needs 4134×5906 px at 150 dpi" in reason
    assert "2400×3000 px" in reason


def test_template_warns_between_minimum_and_target():
    rules = PrintRules(min_dpi=150, target_dpi=300)
    rows = variant_fit_rows(poster((300, 400)), 2400, 3200, rules)  # ≈ 203 dpi
    assert rows[0]["verdict"] == "warn"
    publishable, reason = template_verdict(rows)
    assert publishable and "below the target" in reason


def test_aspect_limit_fails_a_sharp_but_badly_cropped_print():
    rules = PrintRules(min_dpi=150, target_dpi=300, max_aspect_mismatch=0.3)
    rows = variant_fit_rows(poster((300, 400)), 12000, 3000, rules)
    assert rows[0]["verdict"] == "fail"
    assert "crops" in rows[0]["note"]


def test_front_placeholder_is_filled_by_default():
    template = Template.model_validate({
        "id": "tee", "templateName": "tee", "title": "Tee", "variants": [{
            "id": "m", "title": "White - M", "productUid": "apparel_m",
            "imagePlaceholders": [
                {"name": "ImageBack", "printArea": "back", "width": 254, "height": 304.8},
                {"name": "ImageFront", "printArea": "front", "width": 304.8, "height": 406.4},
            ]}]})
    variant = template.variants[0]
    assert [p.name for p in placeholders_to_fill(variant)] == ["ImageFront"]
    assert [p.name for p in placeholders_to_fill(variant, ["ImageFront", "ImageBack"])] == ["ImageBack", "ImageFront"]
