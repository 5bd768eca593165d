"""Retail price from Gelato's unit cost: margin on the *price* after fees, rounded up once.

price ≥ (cost + fixed fee) / (1 − margin − fee %) keeps `profit / price ≥ margin` after the
marketplace takes its cut; a flat markup on cost that ignores fees is the classic seller mistake.
Money is Decimal from Gelato's JSON to the final rounding, so no float drift reaches a price.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from pod_pipeline.settings import PricingRules

# ISO 4217 currencies without a minor unit: charm endings make no sense there.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "ISK", "CLP", "VND", "UGX", "XAF", "XOF", "PYG", "RWF"})


def minimum_price(cost: Decimal, margin: Decimal, rules: PricingRules) -> Decimal:
    return (cost + rules.fee_fixed) / (Decimal(1) - margin - rules.fee_percent)


def round_price(raw: Decimal, currency: str, charm_ending: Decimal | None) -> Decimal:
    """The smallest price ≥ raw that follows the currency's rounding rule."""
    whole = raw.to_integral_value(rounding=ROUND_CEILING)
    if currency in ZERO_DECIMAL_CURRENCIES or charm_ending is None:
        return whole
    candidate = (whole - 1) + charm_ending
    return candidate if candidate >= raw else candidate + 1


def retail_price(cost: Decimal, margin: Decimal, currency: str, rules: PricingRules) -> Decimal:
    return round_price(minimum_price(cost, margin, rules), currency, rules.charm_ending)


def profit(price: Decimal, cost: Decimal, rules: PricingRules) -> Decimal:
    return price * (Decimal(1) - rules.fee_percent) - rules.fee_fixed - cost
