from __future__ import annotations

from decimal import Decimal

import pytest

from pod_pipeline.gelato.models import PriceTier

POSTER_12X16 = "flat_300x400-mm-12x16-inch_170-gsm-65lb-uncoated_4-0_ver"
MUG_15OZ = "mug_product_msz_15-oz_mmat_ceramic-white_cl_4-0"


def prices(client, sandbox, uid, **params):
    return client.get(f"{sandbox.product_url}/products/{uid}/prices", params=params)


def test_prices_have_a_unit_row_and_totals_per_tier(sandbox, client):
    response = prices(client, sandbox, POSTER_12X16, country="DE", currency="EUR")
    assert response.status_code == 200
    tiers = [PriceTier.model_validate(row) for row in response.json()]
    assert {(t.product_uid, t.country, t.currency, t.page_count) for t in tiers} == {(POSTER_12X16, "DE", "EUR", None)}
    by_quantity = {t.quantity: t.price for t in tiers}
    unit = by_quantity[1]
    assert Decimal("7") < unit < Decimal("11")
    assert unit * 19 < by_quantity[20] < unit * 20  # a total with a small discount
    assert by_quantity[100] / 100 < by_quantity[20] / 20


def test_prices_differ_by_currency(sandbox, client):
    usd = prices(client, sandbox, POSTER_12X16, country="US", currency="USD").json()[0]["price"]
    gbp = prices(client, sandbox, POSTER_12X16, country="US", currency="GBP").json()[0]["price"]
    assert gbp < usd


def test_country_where_not_sold_gives_empty_list(sandbox, client):
    response = prices(client, sandbox, MUG_15OZ, country="AU", currency="USD")
    assert (response.status_code, response.json()) == (200, [])
    assert prices(client, sandbox, MUG_15OZ, country="GB", currency="GBP").json()


def test_unknown_product_uid_is_404(sandbox, client):
    response = prices(client, sandbox, "flat_nope", country="US", currency="USD")
    assert response.status_code == 404
    assert "flat_nope" in response.json()["message"]


@pytest.mark.parametrize(
    "params", [{"currency": "USD"}, {"country": "US"}, {}, {"country": "US", "currency": "JPY"}, {"country": "USA", "currency": "USD"}]
)
def test_missing_or_bad_parameters_are_400(sandbox, client, params):
    response = prices(client, sandbox, POSTER_12X16, **params)
    assert response.status_code == 400
    assert response.json()["message"]


def test_product_info_lists_supported_countries(sandbox, client):
    info = client.get(f"{sandbox.product_url}/products/{MUG_15OZ}").json()
    assert info["productUid"] == MUG_15OZ and info["isPrintable"] is True
    assert "AU" in info["notSupportedCountries"] and "AU" not in info["supportedCountries"]
    assert {"US", "GB", "DE"} <= set(info["supportedCountries"])
    assert info["weight"]["value"] > 0
    assert client.get(f"{sandbox.product_url}/products/nope").status_code == 404


def test_costs_can_move_per_product_and_country(sandbox, client):
    before = prices(client, sandbox, POSTER_12X16, country="US", currency="USD").json()[0]["price"]
    other = prices(client, sandbox, POSTER_12X16, country="GB", currency="GBP").json()[0]["price"]
    response = client.put(f"{sandbox.base_url}/_sandbox/costs",
                          json={"changes": [{"productUid": POSTER_12X16, "country": "US", "factor": "1.10"}]})
    assert response.status_code == 200 and response.json() == {f"{POSTER_12X16}/US": "1.10"}
    after = prices(client, sandbox, POSTER_12X16, country="US", currency="USD").json()[0]["price"]
    assert Decimal(str(after)) == (Decimal(str(before)) * Decimal("1.10")).quantize(Decimal("0.01"))
    assert prices(client, sandbox, POSTER_12X16, country="GB", currency="GBP").json()[0]["price"] == other


@pytest.mark.parametrize("body", [{"changes": [{"productUid": "nope", "country": "US", "factor": 2}]},
                                  {"changes": [{"productUid": POSTER_12X16, "country": "US", "factor": -1}]},
                                  {"no": "changes"}, []])
def test_bad_cost_changes_are_refused(sandbox, client, body):
    assert client.put(f"{sandbox.base_url}/_sandbox/costs", json=body).status_code == 400
