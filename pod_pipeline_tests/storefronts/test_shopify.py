"""The Shopify price client against the stand-in, served over HTTP as Shopify would be: prices
set and read back, the cost bucket respected under heavy throttling with no price lost, 5xx
retried, bad ids and prices refused before any call, a wrong token a clear error."""

from decimal import Decimal

import pytest

from pod_pipeline.storefronts.base import StorefrontError, VariantPrice
from pod_pipeline.storefronts.shopify import CostBucket, ShopifyStorefront, gid
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.tools.storefront_standins.faults import StorefrontFaults
from pod_pipeline.tools.storefront_standins.shopify import ShopifyShop, create_shopify_app

VARIANTS = [str(40_000 + i) for i in range(6)]


def prices(value: str = "24.99") -> list[VariantPrice]:
    return [VariantPrice(v, Decimal(value) + i, "USD") for i, v in enumerate(VARIANTS)]


@pytest.fixture
def shop():
    shop = ShopifyShop(access_token="shpat_test")
    shop.add_product("7001", VARIANTS)
    return shop


def client(server, **kwargs) -> ShopifyStorefront:
    return ShopifyStorefront(server.base_url, "shpat_test", backoff_base=0.01, backoff_max=0.05, **kwargs)


def test_prices_are_set_and_read_back(shop):
    with BackgroundServer(create_shopify_app(shop)) as server, client(server) as shopify:
        result = shopify.push_prices("7001", prices())
        assert result.pushed == VARIANTS and not result.refused and result.calls == 1
        assert shopify.read_prices("7001") == {v: Decimal("24.99") + i for i, v in enumerate(VARIANTS)}
        # Other variants keep their price: a push of two touches two.
        shopify.push_prices("7001", prices("30.00")[:2])
        assert shop.prices("7001")[VARIANTS[5]] == Decimal("29.99")


def test_under_a_30_percent_throttle_rate_no_price_is_lost(shop):
    faults = StorefrontFaults(rate_throttled=0.3)
    with BackgroundServer(create_shopify_app(shop, faults, seed=7)) as server, client(server) as shopify:
        pushed = []
        for round_ in range(20):
            result = shopify.push_prices("7001", prices(f"{20 + round_}.50"))
            pushed += result.pushed
            assert not result.refused
        assert shopify.throttled > 0 and len(pushed) == 20 * len(VARIANTS)
        assert shop.prices("7001") == {v: Decimal("39.50") + i for i, v in enumerate(VARIANTS)}


def test_the_bucket_is_waited_for_not_hammered():
    # 40 points, 20 restored per second, 10 per mutation: the client must wait rather than spin.
    shop = ShopifyShop(access_token="shpat_test", maximum=40, restore_rate=20)
    shop.add_product("7001", VARIANTS)
    with BackgroundServer(create_shopify_app(shop)) as server, client(server) as shopify:
        for _ in range(12):
            assert not shopify.push_prices("7001", prices()).refused
        assert shopify.waited_seconds > 2.0  # (12 × 10 − 40) / 20 s, less what the bucket refilled meanwhile
        assert shop.throttled <= 2  # it waited for the refill instead of being turned away again and again


def test_server_errors_are_retried_and_bounded(shop):
    with BackgroundServer(create_shopify_app(shop, StorefrontFaults(rate_5xx=0.5), seed=3)) as server, \
            client(server) as shopify:
        assert shopify.push_prices("7001", prices()).pushed == VARIANTS
    with BackgroundServer(create_shopify_app(shop, StorefrontFaults(rate_5xx=1.0))) as server, \
            client(server, max_attempts=3) as shopify:
        with pytest.raises(StorefrontError, match="HTTP 503") as failed:
            shopify.push_prices("7001", prices())
        assert failed.value.retryable and shopify.calls == 3


@pytest.mark.parametrize("bad", ["", "abc", "12; DROP", "gid://shopify/Order/1", "1" * 40, "../../7001", "７００１"])
def test_hostile_ids_are_refused_before_any_call(shop, bad):
    with BackgroundServer(create_shopify_app(shop)) as server, client(server) as shopify:
        with pytest.raises(StorefrontError, match="not a Shopify Product id"):
            shopify.push_prices(bad, prices())
        result = shopify.push_prices("7001", [VariantPrice(bad, Decimal("5"), "USD"), *prices()[:1]])
        assert bad in result.refused and result.pushed == [VARIANTS[0]]
    assert shop.requests == 1


def test_bad_prices_and_unknown_variants_are_refused_alone(shop):
    with BackgroundServer(create_shopify_app(shop)) as server, client(server) as shopify:
        result = shopify.push_prices("7001", [VariantPrice(VARIANTS[0], Decimal("-1"), "USD"),
                                              VariantPrice("999999", Decimal("9.99"), "USD"),
                                              VariantPrice(VARIANTS[1], Decimal("9.99"), "USD")])
        assert result.pushed == [VARIANTS[1]]
        assert "not positive" in result.refused[VARIANTS[0]]
        assert "PRODUCT_VARIANT_DOES_NOT_EXIST" in result.refused["999999"]
        missing = shopify.push_prices("7002", prices()[:1])
        assert "PRODUCT_DOES_NOT_EXIST" in missing.refused[VARIANTS[0]]


def test_a_wrong_token_is_a_clear_error_not_retried(shop):
    with BackgroundServer(create_shopify_app(shop)) as server:
        with ShopifyStorefront(server.base_url, "shpat_wrong") as shopify:
            with pytest.raises(StorefrontError, match="access token") as refused:
                shopify.push_prices("7001", prices())
            assert not refused.value.retryable and shopify.calls == 1
    with pytest.raises(StorefrontError, match="no Shopify admin API access token"):
        ShopifyStorefront("http://127.0.0.1:9", "")


def test_gids_and_the_bucket_model():
    assert gid("Product", "7001") == "gid://shopify/Product/7001"
    assert gid("ProductVariant", "gid://shopify/ProductVariant/5") == "gid://shopify/ProductVariant/5"
    now = [0.0]
    bucket = CostBucket(clock=lambda: now[0])
    assert bucket.seconds_until(10) == 0  # unknown until a response describes it
    bucket.update({"maximumAvailable": 1000, "currentlyAvailable": 4, "restoreRate": 50})
    assert bucket.seconds_until(10) == pytest.approx(0.12)
    now[0] = 1.0
    assert bucket.seconds_until(10) == 0
