"""Small, explicit pricing inputs: one template with two variants, settings built from dicts."""

from __future__ import annotations

from decimal import Decimal as D

import pandas as pd

from pod_pipeline.gelato.models import Template
from pod_pipeline.settings import SellerSettings

TEMPLATE = "tmpl-poster"
SMALL, LARGE = "var-small", "var-large"


def template(product_type: str = "Poster") -> Template:
    return Template.model_validate({
        "id": TEMPLATE, "templateName": "Poster", "title": "Matte poster", "productType": product_type,
        "variants": [
            {"id": SMALL, "title": "30x40 cm", "productUid": "uid-small"},
            {"id": LARGE, "title": "50x70 cm", "productUid": "uid-large"},
        ],
    })


def seller(**pricing) -> SellerSettings:
    base = {"margin": "0.30", "marketplace": "shop",
            "marketplaces": {"shop": {"percent": "0.10", "fixed": {"USD": "0.50"}}},
            "min_profit": {"USD": "0"}, "rounding": {"ending": None},
            "fx": {"base": "EUR", "as_of": "2026-11-24", "rates": {"USD": "1.25", "GBP": "0.80", "SEK": "11.00"}}}
    base.update(pricing)
    markets = base.pop("markets", [{"country": "US", "currency": "USD"}])
    templates = base.pop("templates", [{"id": TEMPLATE}])
    return SellerSettings.model_validate({"store_id": "store", "templates": templates, "markets": markets,
                                          "pricing": base})


def costs(rows: dict[tuple[str, str, str], str | None]) -> pd.DataFrame:
    """{(product_uid, country, currency): unit cost or None for not sold}."""
    return pd.DataFrame([{"product_uid": uid, "country": country, "currency": currency,
                          "unit_cost": D(cost) if cost is not None else None, "sold": cost is not None,
                          "basis": "quantity 1" if cost is not None else "not sold"}
                         for (uid, country, currency), cost in rows.items()])


def wanted(*artworks: str) -> pd.DataFrame:
    return pd.DataFrame([{"artwork_id": a, "template_id": TEMPLATE, "template_variant_id": v}
                         for a in artworks for v in (SMALL, LARGE)])
