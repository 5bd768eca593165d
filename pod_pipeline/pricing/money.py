"""Exact money helpers: the shelf-price grid of a currency and the canonical text of amounts."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from pod_pipeline.settings.pricing import RoundingRule

CENT = Decimal("0.01")
COST_STEP = Decimal("0.0001")  # Gelato unit costs are kept at 4 decimals (a tier total / quantity may have more)
RATE_STEP = Decimal("0.00000001")  # FX rates are kept (and applied) at 8 decimals: what is stored reprices exactly


def round_price(raw: Decimal, rule: RoundingRule) -> Decimal:
    """The smallest price on the rule's grid that is ≥ raw: rounding never eats margin."""
    whole = raw.to_integral_value(rounding=ROUND_CEILING)
    if rule.whole_units:
        return whole.quantize(CENT)
    if rule.ending is None:
        return raw.quantize(CENT, rounding=ROUND_CEILING)
    candidate = (whole - 1) + rule.ending
    return (candidate if candidate >= raw else candidate + 1).quantize(CENT)


def on_grid(price: Decimal, rule: RoundingRule) -> bool:
    """Whether a price is one the rule can produce (what the rounding check verifies)."""
    if price != price.quantize(CENT):
        return False
    if rule.whole_units:
        return price == price.to_integral_value()
    if rule.ending is None:
        return True
    return price - price.to_integral_value(rounding=ROUND_FLOOR) == rule.ending


def money_text(amount: Decimal) -> str:
    """Canonical text of an amount (two decimals), so old and new values compare as strings."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_EVEN))


def floor_cents(amount: Decimal) -> Decimal:
    # A stored profit rounded down: re-deriving a price from it never lands above the old one.
    return amount.quantize(CENT, rounding=ROUND_FLOOR)


def rate_text(rate: Decimal) -> str:
    return str(rate.quantize(RATE_STEP, rounding=ROUND_HALF_EVEN))


def gelato_cost(amount: Decimal) -> Decimal:
    """A unit cost at 4 decimals, rounded up: pricing on it never under-counts the cost."""
    return amount.quantize(COST_STEP, rounding=ROUND_CEILING)
