"""The sandbox's seeded Gelato catalog: templates, store ids and base costs, loaded from the
bundled `catalog.yaml`. Checked for consistency at load so a typo in the YAML fails loudly at
start-up instead of as a confusing 404 in some test."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

CATALOG_PATH = Path(__file__).with_name("catalog.yaml")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class CatalogProduct:
    uid: str
    unit_cost_usd: Decimal
    weight_g: float
    attributes: dict[str, str]
    not_sold_in: frozenset[str]


@dataclass(frozen=True)
class Catalog:
    store_ids: tuple[str, ...]
    templates: dict[str, dict[str, Any]]
    products: dict[str, CatalogProduct]
    country_factors: dict[str, Decimal]
    fx: dict[str, Decimal]
    tiers: tuple[tuple[int, Decimal], ...]

    def template_json(self, template_id: str) -> dict[str, Any] | None:
        template = self.templates.get(template_id)
        # Deep copy: YAML anchors share the t-shirt placeholder lists between variants.
        return copy.deepcopy(template) if template is not None else None

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(self.fx)

    def supported_countries(self, uid: str) -> list[str]:
        return [c for c in self.country_factors if c not in self.products[uid].not_sold_in]

    def price_tiers(self, uid: str, country: str, currency: str, factor: Decimal = Decimal(1)) -> list[dict[str, Any]]:
        """Rows of `GET /v3/products/{uid}/prices`; [] where the product is not sold. `factor`
        moves the cost (the sandbox's stand-in for Gelato changing its prices)."""
        product = self.products[uid]
        if country not in self.country_factors or country in product.not_sold_in:
            return []
        base = product.unit_cost_usd * self.country_factors[country] * self.fx[currency] * factor
        rows = []
        for quantity, discount in self.tiers:
            unit = (base * (1 - discount)).quantize(_CENT, ROUND_HALF_UP)
            rows.append(
                {
                    "productUid": uid,
                    "country": country,
                    "quantity": quantity,
                    # The total for the tier, not a unit price (see reference: *unconfirmed*).
                    "price": float(unit * quantity),
                    "currency": currency,
                    "pageCount": None,
                }
            )
        return rows

    def product_info(self, uid: str) -> dict[str, Any]:
        product = self.products[uid]
        return {
            "productUid": uid,
            "supportedCountries": self.supported_countries(uid),
            "notSupportedCountries": sorted(product.not_sold_in),
            "isPrintable": True,
            "weight": {"value": product.weight_g, "measureUnit": "grams"},
            "attributes": dict(product.attributes),
        }


def load_catalog(path: Path | str = CATALOG_PATH) -> Catalog:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    pricing = raw["pricing"]
    products = {
        uid: CatalogProduct(
            uid=uid,
            unit_cost_usd=Decimal(str(spec["unit_cost_usd"])),
            weight_g=float(spec["weight_g"]),
            attributes={k: str(v) for k, v in spec.get("attributes", {}).items()},
            not_sold_in=frozenset(spec.get("not_sold_in", [])),
        )
        for uid, spec in raw["products"].items()
    }
    templates = {t["id"]: t for t in raw["templates"]}
    for template in templates.values():
        for variant in template["variants"]:
            if variant["productUid"] not in products:
                raise ValueError(
                    f"catalog: variant {variant['id']} of template {template['id']} uses "
                    f"productUid {variant['productUid']!r} which has no entry under products"
                )
    return Catalog(
        store_ids=tuple(raw["store_ids"]),
        templates=templates,
        products=products,
        country_factors={c: Decimal(str(f)) for c, f in pricing["countries"].items()},
        fx={c: Decimal(str(r)) for c, r in pricing["fx"].items()},
        tiers=tuple((int(t["quantity"]), Decimal(str(t["discount"]))) for t in pricing["tiers"]),
    )
