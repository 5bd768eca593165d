"""The `stores` section: a store named with its marketplace and the variables holding its
credentials; hostile or careless values are refused with a reason, and settings written before
stores existed still mean one Etsy store `main` that pushes no prices."""

import pytest
from pydantic import ValidationError

from pod_pipeline.settings.model import SellerSettings

SHOPIFY = {"name": "poster-shop", "gelato_store_id": "g-1", "marketplace": "shopify",
           "credentials": {"shop_url": "SHOPIFY_SHOP_URL", "access_token": "SHOPIFY_ACCESS_TOKEN"}}


def settings(**fields) -> SellerSettings:
    return SellerSettings.model_validate({"templates": [{"id": "t1"}], **fields})


def test_legacy_settings_are_one_etsy_store_that_pushes_nothing():
    [store] = settings(store_id="g-0").all_stores()
    assert (store.name, store.gelato_store_id, store.marketplace, store.pushes_prices()) == ("main", "g-0", "etsy", False)


def test_a_named_store_gives_the_store_id():
    seller = settings(stores=[SHOPIFY])
    assert seller.store_id == "g-1" and seller.all_stores()[0].pushes_prices()
    assert [s.name for s in settings(store_id="g-1", stores=[SHOPIFY]).all_stores()] == ["poster-shop"]


ETSY = {"name": "etsy-shop", "gelato_store_id": "g-2", "marketplace": "etsy"}


def test_several_stores_each_with_what_it_sells():
    seller = settings(templates=[{"id": "t1"}, {"id": "t2"}],
                      markets=[{"country": "US", "currency": "USD"}, {"country": "GB", "currency": "GBP"}],
                      stores=[SHOPIFY, {**ETSY, "templates": ["t2"], "markets": ["GB"], "visible": True}])
    shopify, etsy = seller.all_stores()
    assert seller.store_id == "g-1"  # the first store's
    assert [m.currency for m in seller.markets_of(shopify)] == ["USD", "GBP"]
    assert [m.currency for m in seller.markets_of(etsy)] == ["GBP"]
    assert (shopify.sells("t1"), etsy.sells("t1"), etsy.sells("t2")) == (True, False, True)
    assert seller.marketplaces() == ["shopify", "etsy"]
    assert seller.store_named("etsy-shop") == etsy and seller.store_named("nope") is None


@pytest.mark.parametrize("change, message", [
    ({"credentials": {"shop_url": "SHOPIFY_SHOP_URL", "access_token": "shpat_1234abcd"}}, "must name an environment variable"),
    ({"credentials": {"shop_url": "SHOPIFY_SHOP_URL", "access_token": "MY TOKEN"}}, "must name an environment variable"),
    ({"credentials": {"shop_url": "SHOPIFY_SHOP_URL", "access_token": "X" * 80}}, "must name an environment variable"),
    ({"credentials": {"access_token": "SHOPIFY_ACCESS_TOKEN"}}, "also needs shop_url"),
    ({"credentials": {**SHOPIFY["credentials"], "api_key": "ETSY_API_KEY"}}, "shopify takes no api_key"),
    ({"name": "Poster Shop"}, "name"),
    ({"name": "../etc"}, "name"),
    ({"name": ""}, "name"),
    ({"marketplace": "amazon"}, "marketplace"),
    ({"gelato_store_id": ""}, "gelato_store_id"),
    ({"token": "shpat_x"}, "Extra inputs are not permitted"),
])
def test_hostile_store_values_are_refused(change, message):
    with pytest.raises(ValidationError, match=message):
        settings(stores=[{**SHOPIFY, **change}])


def test_careless_combinations_are_refused():
    with pytest.raises(ValidationError, match="differ"):
        settings(store_id="g-other", stores=[SHOPIFY])
    with pytest.raises(ValidationError, match="gelato_store_id is listed twice"):
        settings(stores=[SHOPIFY, {**SHOPIFY, "name": "second"}])
    with pytest.raises(ValidationError, match="name is listed twice"):
        settings(stores=[SHOPIFY, {**ETSY, "name": SHOPIFY["name"]}])
    with pytest.raises(ValidationError, match="at most 25"):
        settings(stores=[{**ETSY, "name": f"s{n}", "gelato_store_id": f"g{n}"} for n in range(26)])
    with pytest.raises(ValidationError, match="t9 is not under templates"):
        settings(stores=[{**ETSY, "templates": ["t9"]}])
    with pytest.raises(ValidationError, match="FR is not under markets"):
        settings(stores=[{**ETSY, "markets": ["FR"]}])
    for empty_or_twice in ([], ["t1", "t1"]):
        with pytest.raises(ValidationError, match="each entry once"):
            settings(stores=[{**ETSY, "templates": empty_or_twice}])
    for percent in (-1, 101, "half"):
        with pytest.raises(ValidationError, match="rollout"):
            settings(stores=[{**ETSY, "rollout": percent}])
    with pytest.raises(ValidationError, match="store_id"):
        settings()
    # A credential value pasted where its variable's name belongs is never echoed back whole.
    with pytest.raises(ValidationError) as refused:
        settings(stores=[{**SHOPIFY, "credentials": {"shop_url": "SHOPIFY_SHOP_URL",
                                                     "access_token": "shpat_" + "a" * 60}}])
    assert "a" * 41 not in str(refused.value)
