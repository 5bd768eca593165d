"""Print-fit math: how an artwork lands on each template placeholder.

Gelato's `slice` covers the print area and crops the overflow, so the effective dpi is set by
the artwork's *tighter* side; `meet` fits inside, keeps the looser side's dpi and leaves margins.
Because Gelato creates every variant of a template, the decision is per template: publish only
when every variant the artwork is printed on clears the minimum dpi and aspect limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from pod_pipeline.gelato.models import ImagePlaceholder, Template, TemplateVariant
from pod_pipeline.settings import PrintRules

MM_PER_INCH = 25.4
FRONT_AREAS = ("front", "1")


@dataclass(frozen=True)
class Fit:
    effective_dpi: float
    aspect_mismatch: float  # share of the artwork cropped (slice) or of the area left empty (meet)


def fit(width_px: int, height_px: int, width_mm: float, height_mm: float, method: str) -> Fit:
    dpi_w = width_px / (width_mm / MM_PER_INCH)
    dpi_h = height_px / (height_mm / MM_PER_INCH)
    image_aspect = width_px / height_px
    area_aspect = width_mm / height_mm
    mismatch = 1 - min(image_aspect, area_aspect) / max(image_aspect, area_aspect)
    dpi = min(dpi_w, dpi_h) if method == "slice" else max(dpi_w, dpi_h)
    return Fit(effective_dpi=dpi, aspect_mismatch=mismatch)


def pixels_needed(width_mm: float, height_mm: float, dpi: float) -> tuple[int, int]:
    return (round(width_mm / MM_PER_INCH * dpi), round(height_mm / MM_PER_INCH * dpi))


def placeholders_to_fill(variant: TemplateVariant, wanted: list[str] | None = None) -> list[ImagePlaceholder]:
    """The placeholders that get the artwork: the named ones, else the front (or only) one.
    The others keep the template's own art, as Gelato does for anything not sent."""
    if wanted:
        return [p for p in variant.image_placeholders if p.name in wanted]
    front = [p for p in variant.image_placeholders if p.print_area.lower() in FRONT_AREAS]
    return front[:1] or variant.image_placeholders[:1]


def _size_label(p: ImagePlaceholder) -> str:
    if p.width_mm >= 100 and p.width_mm % 10 == 0 and p.height_mm % 10 == 0:
        return f"{p.width_mm / 10:g}×{p.height_mm / 10:g} cm"
    return f"{p.width_mm:g}×{p.height_mm:g} mm"


def judge(f: Fit, rules: PrintRules) -> str:
    if f.effective_dpi < rules.min_dpi or f.aspect_mismatch > rules.max_aspect_mismatch:
        return "fail"
    return "warn" if f.effective_dpi < rules.target_dpi else "pass"


def explain(variant: TemplateVariant, p: ImagePlaceholder, f: Fit, width_px: int, height_px: int,
            rules: PrintRules) -> str:
    need_w, need_h = pixels_needed(p.width_mm, p.height_mm, rules.min_dpi)
    where = f"{variant.title} ({_size_label(p)}, {p.name})"
    if f.aspect_mismatch > rules.max_aspect_mismatch:
        verb = "crops" if rules.fit_method == "slice" else "leaves empty"
        return (f"{where}: the artwork's aspect {width_px}:{height_px} {verb} {f.aspect_mismatch:.0%} "
                f"of the print; the limit is {rules.max_aspect_mismatch:.0%}")
    if f.effective_dpi < rules.min_dpi:
        return (f"{where} needs {need_w}×{need_h} px at {rules.min_dpi:g} dpi; artwork has "
                f"{width_px}×{height_px} px ({f.effective_dpi:.0f} dpi after {rules.fit_method})")
    if f.effective_dpi < rules.target_dpi:
        return f"{where}: {f.effective_dpi:.0f} dpi, below the {rules.target_dpi:g} dpi target"
    return ""


def variant_fit_rows(template: Template, width_px: int, height_px: int, rules: PrintRules,
                     wanted_placeholders: list[str] | None = None) -> list[dict]:
    """One row per template variant × placeholder the artwork is printed on."""
    rows = []
    for variant in template.variants:
        for p in placeholders_to_fill(variant, wanted_placeholders):
            f = fit(width_px, height_px, p.width_mm, p.height_mm, rules.fit_method)
            rows.append({
                "template_id": template.id,
                "template_title": template.title,
                "template_variant_id": variant.id,
                "variant_title": variant.title,
                "product_uid": variant.product_uid,
                "placeholder": p.name,
                "print_area": p.print_area,
                "width_mm": p.width_mm,
                "height_mm": p.height_mm,
                "effective_dpi": round(f.effective_dpi, 1),
                "aspect_mismatch": round(f.aspect_mismatch, 4),
                "verdict": judge(f, rules),
                "note": explain(variant, p, f, width_px, height_px, rules),
            })
    return rows


def template_verdict(rows: list[dict]) -> tuple[bool, str]:
    """(publishable, reason). The reason names the worst variant so a seller knows what to fix."""
    if not rows:
        return False, "the template has no image placeholder to print on"
    failing = [r for r in rows if r["verdict"] == "fail"]
    if failing:
        worst = min(failing, key=lambda r: (r["effective_dpi"], -r["aspect_mismatch"]))
        more = len(failing) - 1
        others = f" (and {more} more variant{'s' if more > 1 else ''})" if more else ""
        return False, worst["note"] + others
    warned = [r for r in rows if r["verdict"] == "warn"]
    if warned:
        return True, f"{len(warned)} of {len(rows)} variants print below the target dpi"
    return True, ""
