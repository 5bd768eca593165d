"""The distinct print areas an artwork is printed on: every placeholder of every variant of the
templates it is published to, grouped so placeholders of one size (and one kind of product and
fit) share one file."""

from __future__ import annotations

from dataclasses import dataclass, field

from pod_pipeline.artwork.printability import placeholders_to_fill
from pod_pipeline.gelato.models import Template
from pod_pipeline.print_files.product_rules import ProductRule, rule_for


@dataclass(frozen=True)
class Use:
    template_id: str
    template_variant_id: str
    placeholder: str
    print_area: str


@dataclass
class PrintArea:
    width_mm: float
    height_mm: float
    rule: ProductRule
    fit_method: str
    uses: list[Use] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Names the file: `300x400mm-wall_art-slice`."""
        return f"{self.width_mm:g}x{self.height_mm:g}mm-{self.rule.kind}-{self.fit_method}"

    @property
    def file_width_mm(self) -> float:
        return self.width_mm + 2 * self.rule.bleed_mm

    @property
    def file_height_mm(self) -> float:
        return self.height_mm + 2 * self.rule.bleed_mm


def print_areas(templates: list[tuple[Template, str, list[str] | None, str | None]]) -> list[PrintArea]:
    """`templates`: (template, fit method, placeholder names the settings give, product type)."""
    found: dict[tuple, PrintArea] = {}
    for template, fit_method, wanted, product_type in templates:
        rule = rule_for(product_type or template.product_type, template.title)
        for variant in template.variants:
            for placeholder in placeholders_to_fill(variant, wanted):
                key = (round(placeholder.width_mm, 2), round(placeholder.height_mm, 2), rule.kind, fit_method)
                area = found.setdefault(key, PrintArea(placeholder.width_mm, placeholder.height_mm, rule, fit_method))
                area.uses.append(Use(template.id, variant.id, placeholder.name, placeholder.print_area))
    return list(found.values())
