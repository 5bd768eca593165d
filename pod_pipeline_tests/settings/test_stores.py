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
    store = settings(store_id="g-0").store()
    assert (store.name, store.gelato_store_id, store.marketplace, store.pushes_prices()) == ("main", "g-0", "etsy", False)


def test_a_named_store_gives_the_store_id():
    seller = settings(stores=[SHOPIFY])
    assert seller.store_id == "g-1" and seller.store().pushes_prices()
    assert settings(store_id="g-1", stores=[SHOPIFY]).store().name == "poster-shop"


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
    with pytest.raises(ValidationError, match="at most 1"):
        settings(stores=[SHOPIFY, {**SHOPIFY, "name": "second"}])
    with pytest.raises(ValidationError, match="store_id"):
        settings()
    # A credential value pasted where its variable's name belongs is never echoed back whole.
    with pytest.raises(ValidationError) as refused:
        settings(stores=[{**SHOPIFY, "credentials": {"shop_url": "SHOPIFY_SHOP_URL",
                                                     "access_token": "shpat_" + "a" * 60}}])
    assert "a" * 41 not in str(refused.value)
