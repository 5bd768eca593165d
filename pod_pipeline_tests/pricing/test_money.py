from decimal import Decimal as D

import pytest

from pod_pipeline.pricing.money import on_grid, round_price
from pod_pipeline.settings.pricing import PricingRules, RoundingRule

CHARM_99, CHARM_95 = RoundingRule(ending=D("0.99")), RoundingRule(ending=D("0.95"))
CENTS, WHOLE = RoundingRule(ending=None), RoundingRule(ending=None, whole_units=True)


@pytest.mark.parametrize("raw, rule, expected", [
    (D("9.50"), CHARM_99, D("9.99")),
    (D("9.99"), CHARM_99, D("9.99")),           # already on the grid: unchanged
    (D("9.991"), CHARM_99, D("10.99")),         # never rounds down past the raw price
    (D("10.00"), CHARM_95, D("10.95")),
    (D("10.96"), CHARM_95, D("11.95")),
    (D("17.5000001"), CENTS, D("17.51")),
    (D("17.50"), CENTS, D("17.50")),
    (D("248.01"), WHOLE, D("249.00")),
    (D("249"), WHOLE, D("249.00")),
])
def test_round_price_is_the_least_grid_price_at_or_above_raw(raw, rule, expected):
    assert round_price(raw, rule) == expected
    assert on_grid(expected, rule)


@pytest.mark.parametrize("price, rule, expected", [
    (D("9.99"), CHARM_99, True), (D("9.98"), CHARM_99, False), (D("10.95"), CHARM_95, True),
    (D("249.00"), WHOLE, True), (D("249.50"), WHOLE, False), (D("12.345"), CENTS, False),
])
def test_on_grid(price, rule, expected):
    assert on_grid(price, rule) is expected


@pytest.mark.parametrize("currency, whole", [("JPY", True), ("KRW", True), ("USD", False), ("SEK", True)])
def test_rounding_per_currency(currency, whole):
    rules = PricingRules(rounding_by_currency={"SEK": RoundingRule(ending=None, whole_units=True)})
    rule = rules.rounding_for(currency)
    assert rule.whole_units is whole
    if currency in ("JPY", "KRW"):  # no minor unit: a charm ending cannot apply
        assert rule.ending is None
        assert round_price(D("1234.2"), rule) == D("1235")


def test_charm_ending_must_be_whole_cents():
    with pytest.raises(ValueError, match="whole cents"):
        RoundingRule(ending=D("0.995"))
