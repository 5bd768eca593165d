"""Blocking checks on the stored prices of the artworks a run priced (one or a whole range).

The `prices` asset declares them (check_specs) and evaluates them after its write, on rows READ
BACK from the catalog: each rule is recomputed from the stored price, cost, rate and the
settings, so a bug in the engine or a bad write fails here, and publishing stops before a
product goes out under cost. (Declared on the asset rather than as a separate check so a range
run of ten thousand artworks does not load every `variants` partition a second time.)

The checks are not partitioned: one result covers the artworks the run priced (one when
publishing, a whole range when re-pricing) and names the failing ones. Partitioned checks
(a Dagster preview) store a row per partition per check, planned and evaluated: measured at 2,000
artworks, 6 such events cost 13 s, more than the pricing itself.
"""

from decimal import Decimal, InvalidOperation

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSpec

from pod_pipeline.gelato.models import Template
from pod_pipeline.pricing.fx import load_rates
from pod_pipeline.pricing.money import on_grid
from pod_pipeline.pricing.rules import amount_in
from pod_pipeline.settings import SellerSettings

EVERY_VARIANT_PRICED = "every_variant_priced"
KEEPS_MARGIN_AND_PROFIT = "prices_keep_margin_and_profit"
FOLLOWS_ROUNDING = "prices_follow_rounding"
PRICE_CHECK_SPECS = [
    AssetCheckSpec(EVERY_VARIANT_PRICED, asset="prices", blocking=True,
                   description="Every publishable variant has a stored price in every market Gelato sells it in."),
    AssetCheckSpec(KEEPS_MARGIN_AND_PROFIT, asset="prices", blocking=True,
                   description="price − cost − fees ≥ the target margin and the minimum profit; no missing, NaN "
                               "or negative amounts."),
    AssetCheckSpec(FOLLOWS_ROUNDING, asset="prices", blocking=True,
                   description="Every price is on its currency's grid (charm ending, whole units)."),
]


def expected_rows(variants_by_artwork: dict[str, pd.DataFrame], base_costs: pd.DataFrame,
                  seller: SellerSettings) -> pd.DataFrame:
    frames = [f.loc[f["template_publishable"], ["template_id", "template_variant_id", "product_uid"]].assign(artwork_id=k)
              for k, f in variants_by_artwork.items()]
    if not frames:
        return pd.DataFrame(columns=["artwork_id", "template_id", "template_variant_id", "country"])
    wanted = pd.concat(frames, ignore_index=True).drop_duplicates()
    markets = pd.DataFrame([{"country": m.country, "currency": m.cost_currency} for m in seller.markets])
    sold = base_costs.loc[base_costs["sold"].astype(bool), ["product_uid", "country", "currency"]]
    return wanted.merge(markets, how="cross").merge(sold, on=["product_uid", "country", "currency"])


_COMBO = ["template_id", "template_variant_id", "country", "currency", "price", "cost", "fx_rate"]


def _margin_problem(row, seller: SellerSettings, templates: dict[str, Template], fx) -> str | None:
    try:
        price, cost, rate = Decimal(row.price), Decimal(row.cost), Decimal(row.fx_rate)
    except (InvalidOperation, TypeError):
        return "not a number"
    if not (price.is_finite() and cost.is_finite() and rate.is_finite()) or price <= 0 or cost < 0 or rate <= 0:
        return "missing, NaN or negative"
    market = next((m for m in seller.markets if m.country == row.country), None)
    if market is None or row.template_id not in templates:
        return "market or template no longer configured"
    fees = seller.fees_for(market)
    kept = price - cost * rate - price * fees.percent - amount_in(fees.fixed, row.currency, fx)
    margin = seller.margin_for(row.template_id, templates[row.template_id].product_type)
    least = max(margin * price, amount_in(seller.pricing.min_profit, row.currency, fx))
    return f"keeps {kept:.2f} {row.currency}, needs {least:.2f}" if kept < least else None


def margin_failures(stored: pd.DataFrame, seller: SellerSettings, templates: dict[str, Template]) -> pd.DataFrame:
    """Recomputed per distinct (rule, price, cost, rate), the same few dozen whatever the artwork
    count; returns the failing combinations with their `problem`."""
    fx = load_rates(seller.pricing.fx)
    combos = stored[_COMBO].drop_duplicates()
    problems = [_margin_problem(row, seller, templates, fx) for row in combos.itertuples(index=False)]
    return combos.assign(problem=problems).dropna(subset=["problem"])


def price_check_results(variants_by_artwork: dict[str, pd.DataFrame], stored: pd.DataFrame, base_costs: pd.DataFrame,
                        templates: dict[str, Template], seller: SellerSettings) -> list[AssetCheckResult]:
    expected = expected_rows(variants_by_artwork, base_costs, seller)
    key = ["artwork_id", "template_id", "template_variant_id", "country"]
    missing = expected[key].merge(stored[key].assign(_stored=True), on=key, how="left")
    missing = missing[missing["_stored"].isna()]
    failing = margin_failures(stored, seller, templates)
    failures = [f"{r.template_variant_id} {r.country}: price {r.price}, cost {r.cost}: {r.problem}"
                for r in failing.itertuples()]
    failing_artworks = sorted(stored.merge(failing[_COMBO], on=_COMBO)["artwork_id"].unique())
    grids = stored[["currency", "price"]].drop_duplicates()
    off_grid = [f"{r.price} {r.currency}" for r in grids.itertuples(index=False)
                if not _on_grid(r.price, seller.pricing.rounding_for(r.currency))]
    return [
        AssetCheckResult(check_name=EVERY_VARIANT_PRICED, passed=missing.empty, metadata={
            "expected": len(expected), "stored": len(stored), "missing": len(missing),
            "artworks": len(variants_by_artwork),
            "first_missing": "; ".join(f"{r.artwork_id} {r.template_variant_id} {r.country}"
                                       for r in missing.head(10).itertuples()) or "none"}),
        AssetCheckResult(check_name=KEEPS_MARGIN_AND_PROFIT, passed=not failures, metadata={
            "rows": len(stored), "failures": "; ".join(failures[:20]) or "none",
            "failing_artworks": len(failing_artworks), "first_failing": ", ".join(failing_artworks[:10]) or "none"}),
        AssetCheckResult(check_name=FOLLOWS_ROUNDING, passed=not off_grid,
                         metadata={"distinct_prices": len(grids), "off_grid": ", ".join(off_grid[:20]) or "none"}),
    ]


def _on_grid(text: str, rule) -> bool:
    try:
        return on_grid(Decimal(text), rule)
    except (InvalidOperation, TypeError):
        return False
