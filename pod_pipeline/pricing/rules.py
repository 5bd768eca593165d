"""The price rule of every template variant in every market, from Gelato's unit cost.

A shelf price P must leave, after Gelato's cost C (converted to the selling currency) and the
marketplace's fees (a share f of the price plus a fixed F):
    margin:      P(1 − f) − F − C ≥ m·P   →  P ≥ (C + F) / (1 − m − f)
    min profit:  P(1 − f) − F − C ≥ P₀    →  P ≥ (C + F + P₀) / (1 − f)
The larger bound is rounded UP once, to the currency's grid (charm ending, whole units).

The price depends on the template variant and the market, never on the artwork, so this table
has (variants × markets) rows, computed in exact Decimal; artworks then join it (see repricing).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pandas as pd

from pod_pipeline.gelato.models import Template
from pod_pipeline.pricing.fx import FxRates
from pod_pipeline.pricing.money import gelato_cost, round_price
from pod_pipeline.settings import Market, SellerSettings
from pod_pipeline.settings.pricing import RoundingRule

ONE = Decimal(1)
RULE_KEY = ["template_id", "template_variant_id", "country"]


def shelf_price(cost: Decimal, fee_percent: Decimal, fee_fixed: Decimal, margin: Decimal, min_profit: Decimal,
                rule: RoundingRule) -> Decimal:
    by_margin = (cost + fee_fixed) / (ONE - margin - fee_percent)
    by_profit = (cost + fee_fixed + min_profit) / (ONE - fee_percent)
    return round_price(max(by_margin, by_profit), rule)


def price_for_profit(cost: Decimal, fee_percent: Decimal, fee_fixed: Decimal, profit: Decimal,
                     rule: RoundingRule) -> Decimal:
    """The least shelf price that still leaves `profit` in cash (keep_profit policy)."""
    return round_price((cost + fee_fixed + profit) / (ONE - fee_percent), rule)


def profit_of(price: Decimal, cost: Decimal, fee_percent: Decimal, fee_fixed: Decimal) -> Decimal:
    return price * (ONE - fee_percent) - fee_fixed - cost


def amount_in(amounts: dict[str, Decimal], currency: str, fx: FxRates) -> Decimal:
    """An amount the settings give per currency, converted from the first one listed if needed."""
    if not amounts:
        return Decimal(0)
    if currency in amounts:
        return amounts[currency]
    source, amount = next(iter(amounts.items()))
    return fx.convert(amount, source, currency)


def rule_id(seller: SellerSettings, margin: Decimal, market: Market) -> str:
    """Fingerprint of the settings that shape one price, so the drift report can say "rule changed"."""
    pricing = seller.pricing
    fees = seller.fees_for(market)
    rounding = pricing.rounding_for(market.currency)
    text = "|".join(str(part) for part in (
        margin, fees.percent, sorted(fees.fixed.items()), sorted(pricing.min_profit.items()),
        rounding.ending, rounding.whole_units, pricing.repricing.policy, market.currency, market.cost_currency,
    ))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def rule_table(templates: dict[str, Template], base_costs: pd.DataFrame, seller: SellerSettings,
               fx: FxRates) -> pd.DataFrame:
    """One row per configured template variant × market: its cost, fees and rule price."""
    costs = {(row.product_uid, row.country, row.currency): row
             for row in base_costs.itertuples(index=False)}
    rows = []
    for choice in seller.templates:
        template = templates[choice.id]
        margin = seller.margin_for(choice.id, template.product_type)
        for market in seller.markets:
            fees = seller.fees_for(market)
            rounding = seller.pricing.rounding_for(market.currency)
            identity = rule_id(seller, margin, market)
            fee_fixed = amount_in(fees.fixed, market.currency, fx)
            min_profit = amount_in(seller.pricing.min_profit, market.currency, fx)
            seen: set[str] = set()
            for variant in template.variants:
                if variant.id in seen:
                    continue
                seen.add(variant.id)
                quote = costs.get((variant.product_uid, market.country, market.cost_currency))
                sold = quote is not None and bool(quote.sold) and quote.unit_cost is not None
                row = {
                    "template_id": choice.id, "template_variant_id": variant.id, "variant_title": variant.title,
                    "product_uid": variant.product_uid, "country": market.country, "currency": market.currency,
                    "cost_currency": market.cost_currency, "sold": sold,
                    "basis": quote.basis if quote is not None else "not in the base-cost cache",
                    "cost": None, "fx_rate": None, "fx_date": None, "cost_in_currency": None,
                    "fee_percent": fees.percent, "fee_fixed": fee_fixed, "margin_target": margin, "min_profit": min_profit,
                    "ending": rounding.ending, "whole_units": rounding.whole_units, "rule_id": identity,
                    "rule_price": None,
                }
                if sold:
                    rate = fx.rate(market.cost_currency, market.currency)
                    cost = gelato_cost(Decimal(quote.unit_cost))
                    converted = cost * rate
                    row.update(cost=cost, fx_rate=rate, cost_in_currency=converted,
                               fx_date=fx.as_of.isoformat() if rate != 1 and fx.as_of else None,
                               rule_price=shelf_price(converted, fees.percent, fee_fixed, margin, min_profit,
                                                      rounding))
                rows.append(row)
    return pd.DataFrame(rows)
