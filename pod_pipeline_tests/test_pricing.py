from decimal import Decimal as D

import pytest

from pod_pipeline.pricing import minimum_price, profit, retail_price, round_price
from pod_pipeline.settings import PricingRules


@pytest.mark.parametrize("raw, currency, ending, expected", [
    (D("9.50"), "USD", D("0.99"), D("9.99")),
    (D("9.99"), "USD", D("0.99"), D("9.99")),
    (D("9.991"), "USD", D("0.99"), D("10.99")),
    (D("10.00"), "EUR", D("0.95"), D("10.95")),
    (D("10.00"), "GBP", None, D("10")),
    (D("10.01"), "GBP", None, D("11")),
    (D("1234.2"), "JPY", D("0.99"), D("1235")),  # no minor unit: whole yen, no charm
])
def test_round_price_follows_currency_rules(raw, currency, ending, expected):
    assert round_price(raw, currency, ending) == expected


def test_margin_is_on_price_after_fees_not_markup():
    rules = PricingRules(margin=D("0.30"), fee_percent=D("0.10"), fee_fixed=D("0.50"), charm_ending=None)
    raw = minimum_price(D("10.00"), rules.margin, rules)
    assert raw == D("17.50")  # (10 + 0.5) / (1 - 0.3 - 0.1)
    assert profit(raw, D("10.00"), rules) == D("0.30") * raw


@pytest.mark.parametrize("cost", [D("0.01"), D("4.37"), D("12.99"), D("27.50"), D("99.99")])
@pytest.mark.parametrize("margin", [D("0.2"), D("0.35"), D("0.5")])
def test_rounded_price_never_drops_below_the_margin(cost, margin):
    rules = PricingRules(margin=margin)
    price = retail_price(cost, margin, "USD", rules)
    assert price % 1 == D("0.99")
    assert profit(price, cost, rules) >= margin * price


def test_margin_and_fees_must_leave_room():
    with pytest.raises(ValueError, match="margin \\+ fee_percent"):
        PricingRules(margin=D("0.9"), fee_percent=D("0.2"))
