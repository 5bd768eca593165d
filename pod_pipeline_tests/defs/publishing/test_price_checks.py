"""The blocking price checks fail on exactly the bad input each exists to catch."""

import pandas as pd
import pytest

from pod_pipeline.catalog.prices import PRICE_KEY, PRICE_STORED
from pod_pipeline.defs.publishing.price_checks import price_check_results
from pod_pipeline_tests.pricing.helpers import LARGE, SMALL, TEMPLATE, costs, seller, template
from pod_pipeline_tests.pricing.test_repricing import price_once

VARIANTS = {"art-1": pd.DataFrame([
    {"template_id": TEMPLATE, "template_variant_id": v, "product_uid": u, "template_publishable": True}
    for v, u in ((SMALL, "uid-small"), (LARGE, "uid-large"))])}
COSTS = costs({("uid-small", "US", "USD"): "10", ("uid-large", "US", "USD"): "20"})


def verdicts(stored, s=None):
    results = price_check_results(VARIANTS, stored, COSTS, {TEMPLATE: template()}, s or seller(rounding={"ending": "0.99"}))
    return {r.check_name: r.passed for r in results}


@pytest.fixture
def good():
    return price_once(seller(rounding={"ending": "0.99"})).rows[PRICE_KEY + PRICE_STORED].reset_index(drop=True)


def test_good_prices_pass(good):
    assert verdicts(good) == {"every_variant_priced": True, "prices_keep_margin_and_profit": True,
                              "prices_follow_rounding": True}


def test_a_missing_price_fails_every_variant_priced(good):
    assert verdicts(good.iloc[:1])["every_variant_priced"] is False


@pytest.mark.parametrize("price", ["12.99", "-1.00", "NaN", None, "abc"])
def test_under_cost_negative_or_missing_amounts_fail_the_margin_check(good, price):
    bad = good.copy()
    bad.loc[0, "price"] = price
    assert verdicts(bad)["prices_keep_margin_and_profit"] is False


def test_min_profit_is_enforced(good):
    # 17.99 keeps 30% but not a 10 USD minimum profit
    assert verdicts(good, seller(rounding={"ending": "0.99"}, min_profit={"USD": "10"}))[
        "prices_keep_margin_and_profit"] is False


def test_a_price_off_the_currency_grid_fails_rounding(good):
    bad = good.copy()
    bad.loc[0, "price"] = "18.50"  # keeps the margin, but the store's prices end in .99
    result = verdicts(bad)
    assert result["prices_follow_rounding"] is False and result["prices_keep_margin_and_profit"] is True
