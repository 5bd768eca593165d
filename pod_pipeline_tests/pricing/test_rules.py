from decimal import Decimal as D

import pytest

from pod_pipeline.pricing.fx import load_rates
from pod_pipeline.pricing.money import on_grid
from pod_pipeline.pricing.rules import profit_of, rule_table, shelf_price
from pod_pipeline.settings.pricing import RoundingRule
from pod_pipeline_tests.pricing.helpers import LARGE, SMALL, costs, seller, template

CENTS, CHARM = RoundingRule(ending=None), RoundingRule(ending=D("0.99"))


@pytest.mark.parametrize("cost, fee_pct, fee_fixed, margin, min_profit, rule, expected", [
    # margin on the price after fees, not markup: (10 + 0.5) / (1 - 0.3 - 0.1) = 17.50
    (D("10"), D("0.10"), D("0.50"), D("0.30"), D("0"), CENTS, D("17.50")),
    # a flat 30% markup (13.00) would keep 13 - 10 - 1.30 - 0.50 = 1.20: 9%, not 30%
    (D("10"), D("0"), D("0"), D("0.30"), D("0"), CENTS, D("14.29")),
    # the minimum profit binds for cheap items: (2 + 0.5 + 5) / 0.9 = 8.33
    (D("2"), D("0.10"), D("0.50"), D("0.30"), D("5"), CENTS, D("8.34")),
    (D("10"), D("0.10"), D("0.50"), D("0.30"), D("5"), CENTS, D("17.50")),   # margin binds
    (D("10"), D("0.10"), D("0.50"), D("0.30"), D("0"), CHARM, D("17.99")),   # charm ending, rounded UP
    (D("0"), D("0"), D("0"), D("0"), D("0"), CENTS, D("0.00")),
])
def test_shelf_price_table(cost, fee_pct, fee_fixed, margin, min_profit, rule, expected):
    assert shelf_price(cost, fee_pct, fee_fixed, margin, min_profit, rule) == expected


@pytest.mark.parametrize("cost", [D("0.01"), D("4.37"), D("12.99"), D("27.5"), D("99.99"), D("1234.5678")])
@pytest.mark.parametrize("margin", [D("0.2"), D("0.35"), D("0.5")])
@pytest.mark.parametrize("rule", [CHARM, CENTS, RoundingRule(ending=D("0.95")), RoundingRule(whole_units=True)])
def test_rounded_price_keeps_margin_and_profit_after_fees(cost, margin, rule):
    fee_pct, fee_fixed, min_profit = D("0.095"), D("0.45"), D("2.00")
    price = shelf_price(cost, fee_pct, fee_fixed, margin, min_profit, rule)
    kept = profit_of(price, cost, fee_pct, fee_fixed)
    assert kept >= margin * price and kept >= min_profit
    assert on_grid(price, rule)


def test_rule_table_prices_every_variant_and_market_and_records_not_sold():
    s = seller(markets=[{"country": "US", "currency": "USD"}, {"country": "GB", "currency": "GBP"}])
    table = rule_table({"tmpl-poster": template()}, costs({
        ("uid-small", "US", "USD"): "10", ("uid-large", "US", "USD"): "20",
        ("uid-small", "GB", "GBP"): "8", ("uid-large", "GB", "GBP"): None,  # not sold in GB
    }), s, load_rates(s.pricing.fx)).set_index(["template_variant_id", "country"])
    assert table.loc[(SMALL, "US"), "rule_price"] == D("17.50")
    # fixed fee given in USD only: converted to GBP at 0.80 / 1.25 = 0.64
    assert table.loc[(SMALL, "GB"), "fee_fixed"] == D("0.50") * D("0.64")
    assert not table.loc[(LARGE, "GB"), "sold"] and table.loc[(LARGE, "GB"), "rule_price"] is None
    assert table.loc[(LARGE, "GB"), "basis"] == "not sold"


def test_selling_currency_gelato_cannot_quote_is_converted_with_a_dated_rate():
    s = seller(markets=[{"country": "SE", "currency": "SEK", "quote_currency": "EUR"}],
               rounding_by_currency={"SEK": {"ending": None, "whole_units": True}}, min_profit={"SEK": "20"},
               marketplaces={"shop": {"percent": "0.10", "fixed": {"SEK": "3"}}})
    table = rule_table({"tmpl-poster": template()}, costs({("uid-small", "SE", "EUR"): "10", ("uid-large", "SE", "EUR"): "20"}),
                       s, load_rates(s.pricing.fx)).set_index("template_variant_id")
    row = table.loc[SMALL]
    assert (row["cost_currency"], row["fx_rate"], row["fx_date"]) == ("EUR", D("11"), "2026-11-24")
    assert row["cost_in_currency"] == D("110")
    assert row["rule_price"] == D("189.00")  # (110 + 3) / (1 - 0.30 - 0.10) = 188.33, whole kronor, up
