"""The catalog's price rows (`variant_price`): what every catalog implementation reads and writes.

Amounts travel as canonical text (see `pricing.money`), the form the database prints them in,
so "has this row changed?" is an exact string comparison on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pod_pipeline.catalog.rows import product_id_for

# Identity of a price row, and the stored inputs and outputs the re-pricing compares.
PRICE_KEY = ["artwork_id", "template_id", "template_variant_id", "country"]
PRICE_STORED = ["price", "cost", "cost_currency", "currency", "fx_rate", "fx_date", "profit", "rule_id"]
# Column order of a write; `margin` comes from the frame's `margin_kept`.
PRICE_WRITE = ["product_id", "template_variant_id", "country", "artwork_id", "template_id", "currency", "cost",
               "cost_currency", "fx_rate", "fx_date", "price", "profit", "margin", "rule_id", "reason"]
# The main market's figures are mirrored onto `variant` (price, cost in the selling currency, currency).
MIRROR = ["product_id", "template_variant_id", "price", "cost_in_currency", "currency"]
SHEET = ["artwork_id", "product_title", "template_id", "gelato_product_id", "external_product_id",
         "variant_title", "template_variant_id", "external_variant_id", "country", "currency", "price", "cost",
         "cost_currency", "fx_rate", "fx_date", "profit", "margin", "priced_at"]


def write_rows(changes: pd.DataFrame) -> pd.DataFrame:
    frame = changes.rename(columns={"margin_kept": "margin"})[PRICE_WRITE].copy()
    frame["fx_date"] = frame["fx_date"].replace("", None)
    return frame


def mirror_rows(changes: pd.DataFrame, main_countries: str | Mapping[str, str]) -> pd.DataFrame:
    """The variant rows a price change rewrites: each store's product of the artwork × template
    shows the price of the store's main country (`main_countries`: store → country; a bare
    country is the store `main`). Rows for products a store does not have match nothing."""
    stores = {"main": main_countries} if isinstance(main_countries, str) else dict(main_countries)
    parts = []
    for store, country in stores.items():
        rows = changes.loc[changes["country"] == country]
        if store != "main" and len(rows):
            rows = rows.assign(product_id=[product_id_for(a, t, store)
                                           for a, t in zip(rows["artwork_id"], rows["template_id"])])
        parts.append(rows[MIRROR])
    return pd.concat(parts, ignore_index=True) if parts else changes.loc[[], MIRROR]



SHEET_SELECT = """
select vp.artwork_id, p.title as product_title, vp.template_id, p.gelato_product_id,
       p.external_id as external_product_id, v.title as variant_title, vp.template_variant_id,
       v.external_id as external_variant_id, vp.country, vp.currency, {price} as price, {cost} as cost,
       vp.cost_currency, {fx_rate} as fx_rate, {fx_date} as fx_date, {profit} as profit, {margin} as margin,
       {priced_at} as priced_at
  from {schema}variant_price vp
  left join {schema}product p on p.id = vp.product_id
  left join {schema}variant v on v.product_id = vp.product_id and v.template_variant_id = vp.template_variant_id
"""
SHEET_ORDER = " order by vp.currency, vp.artwork_id, vp.template_id, vp.template_variant_id, vp.country"
