"""Re-pricing policies and the drift they report, on explicit old rows."""

from decimal import Decimal as D

import pandas as pd
import pytest

from pod_pipeline.catalog.prices import PRICE_KEY, PRICE_STORED
from pod_pipeline.pricing.drift import drift_rows, drift_summary
from pod_pipeline.pricing.fx import load_rates
from pod_pipeline.pricing.repricing import reprice
from pod_pipeline.pricing.rules import profit_of, rule_table
from pod_pipeline_tests.pricing.helpers import LARGE, SMALL, TEMPLATE, costs, seller, template, wanted


def price_once(s, small_cost="10", large_cost="20", current=None, artworks=("art-1",)):
    quotes = {}
    for market in s.markets:  # the same cost in every market's quote currency
        quotes[("uid-small", market.country, market.cost_currency)] = small_cost
        quotes[("uid-large", market.country, market.cost_currency)] = large_cost
    rules = rule_table({TEMPLATE: template()}, costs(quotes), s, load_rates(s.pricing.fx))
    if current is None:
        current = pd.DataFrame(columns=PRICE_KEY + PRICE_STORED, dtype=object)
    return reprice(wanted(*artworks), rules, current, s.pricing.repricing.policy)


def stored(result) -> pd.DataFrame:
    """What the catalog would hold after writing `result` (the columns it reads back)."""
    return result.rows[PRICE_KEY + PRICE_STORED].copy()


def row(result, variant=SMALL):
    return result.rows.set_index("template_variant_id").loc[variant]


def test_first_pricing_is_all_new():
    result = price_once(seller())
    assert result.rows["changed"].all() and set(result.rows["reason"]) == {"new"}
    assert row(result)["price"] == "17.50"
    assert drift_rows(result).empty  # new rows are not drift


def test_unchanged_inputs_change_nothing():
    s = seller()
    first = price_once(s, artworks=("a", "b"))
    again = price_once(s, current=stored(first), artworks=("a", "b"))
    assert not again.rows["changed"].any() and again.removals.empty
    assert drift_summary(again)["rows_changed"] == 0


@pytest.mark.parametrize("policy, new_cost, expected_price, expect_change", [
    ("keep_margin", "11", "19.17", True),     # (11 + .5) / .6
    ("keep_margin", "9", "15.84", True),      # costs fell: so does the price
    ("never_lower", "9", "17.50", False),     # ...but never_lower keeps it
    ("never_lower", "11", "19.17", True),     # and still follows a rise
    ("keep_profit", "9", "16.39", True),      # keeps the old cash profit: (9 + .5 + 5.25) / .9
    ("keep_profit", "11", "19.17", True),     # a rise: the margin floor binds
])
def test_policies_when_costs_move(policy, new_cost, expected_price, expect_change):
    s = seller(repricing={"policy": policy})
    first = price_once(s)
    moved = price_once(s, small_cost=new_cost, current=stored(first))
    small = row(moved)
    assert small["price"] == expected_price
    assert small["reason"] == "cost moved" and small["changed"]  # the stored cost changed either way
    assert (small["price"] != row(first)["price"]) is expect_change
    kept = profit_of(D(small["price"]), D(new_cost), D("0.10"), D("0.50"))
    assert kept >= D("0.30") * D(small["price"])  # every policy keeps the floor
    if policy == "keep_profit":
        assert kept >= D(row(first)["profit"])
    assert not row(moved, LARGE)["changed"]  # its cost did not move


def test_rule_and_fx_changes_are_named():
    first = price_once(seller())
    by_rule = price_once(seller(margin="0.40"), current=stored(first))
    assert set(by_rule.rows["reason"]) == {"rule changed"}
    assert drift_summary(by_rule)["prices_up"] == 2

    s = seller(markets=[{"country": "US", "currency": "USD", "quote_currency": "EUR"}])
    rules_then = {"base": "EUR", "as_of": "2026-11-24", "rates": {"USD": "1.25"}}
    rules_now = {"base": "EUR", "as_of": "2026-11-25", "rates": {"USD": "1.30"}}
    eur = {("uid-small", "US", "EUR"): "8", ("uid-large", "US", "EUR"): "16"}

    def run(fx, current):
        s_fx = seller(markets=[{"country": "US", "currency": "USD", "quote_currency": "EUR"}], fx=fx)
        rules = rule_table({TEMPLATE: template()}, costs(eur), s_fx, load_rates(s_fx.pricing.fx))
        return reprice(wanted("art-1"), rules, current, s.pricing.repricing.policy)

    then = run(rules_then, pd.DataFrame(columns=PRICE_KEY + PRICE_STORED, dtype=object))
    now = run(rules_now, stored(then))
    assert set(now.rows["reason"]) == {"FX moved"}
    assert (drift_rows(now)["price_delta"] > 0).all()


def test_rows_no_longer_priced_are_removed():
    s = seller()
    first = price_once(s)
    gone = price_once(s, large_cost=None, current=stored(first))  # Gelato stopped selling the large one
    assert list(gone.removals["template_variant_id"]) == [LARGE]
    assert list(gone.not_sold["template_variant_id"]) == [LARGE]


def test_a_market_that_changes_currency_is_repriced_from_the_rules():
    first = price_once(seller())
    old = stored(first)
    old["currency"], old["price"], old["profit"] = "CAD", "99.99", "60.00"  # as if US sold in CAD before
    s = seller(repricing={"policy": "never_lower"})
    again = price_once(s, current=old)
    assert row(again)["price"] == "17.50"  # not held at 99.99: that was another currency
    assert row(again)["changed"] and row(again)["reason"] == "rule changed"
