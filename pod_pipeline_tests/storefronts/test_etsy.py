"""The Etsy price client against the stand-in, over HTTP: the whole inventory written back (no
variation lost, quantities and SKUs kept), renumbered product ids handed back, the per-second
limit and injected 429s ridden out with no price lost, bad input refused before any write."""

from decimal import Decimal

import pytest

from pod_pipeline.ratelimit import Limit, MemoryBuckets, RateLimiter
from pod_pipeline.storefronts.base import StorefrontError, VariantPrice
from pod_pipeline.storefronts.etsy import ETSY, EtsyStorefront, writable_inventory
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.tools.storefront_standins.etsy import EtsyShop, create_etsy_app
from pod_pipeline.tools.storefront_standins.faults import StorefrontFaults

SIZES = ["S", "M", "L", "XL"]


@pytest.fixture
def shop():
    return EtsyShop(api_key="key", access_token="token")


def client(server, **kwargs) -> EtsyStorefront:
    return EtsyStorefront("key", "token", base_url=server.base_url + "/v3/application", backoff_base=0.01,
                          backoff_max=0.05, **kwargs)


def test_a_push_changes_prices_and_keeps_every_variation(shop):
    ids = shop.add_listing("555", SIZES)
    with BackgroundServer(create_etsy_app(shop)) as server, client(server) as etsy:
        result = etsy.push_prices("555", [VariantPrice(ids[1], Decimal("31.99"), "USD")])
        assert result.pushed == [ids[1]] and not result.refused and result.calls == 2  # read, then write whole
        assert shop.prices("555") == {"S": Decimal("20"), "M": Decimal("31.99"), "L": Decimal("20"), "XL": Decimal("20")}
        inventory = shop.listings["555"]
        assert [p["sku"] for p in inventory["products"]] == [f"SKU-{s}" for s in SIZES]
        assert all(p["offerings"][0]["quantity"] == 999 for p in inventory["products"])
        assert inventory["price_on_property"] == [100]
        # Etsy renumbered the products: the push says what each is called now, and the next push uses it.
        renamed = result.renamed[ids[1]]
        assert renamed != ids[1] and renamed in etsy.read_prices("555")
        again = etsy.push_prices("555", [VariantPrice(renamed, Decimal("35.00"), "USD")])
        assert again.pushed == [renamed] and shop.prices("555")["M"] == Decimal("35.00")
        stale = etsy.push_prices("555", [VariantPrice(ids[0], Decimal("9.00"), "USD")])
        assert "no such product" in stale.refused[ids[0]] and etsy.calls == 6  # a read, no write for nothing


def test_a_write_without_the_whole_inventory_would_lose_variations(shop):
    # What the client guards against: the stand-in, like Etsy, keeps only what a PUT sends.
    ids = shop.add_listing("555", SIZES)
    inventory = writable_inventory(shop.listings["555"], {ids[0]: Decimal("25")})
    status, _ = shop.replace_inventory("555", {**inventory, "products": inventory["products"][:1]})
    assert status == 200 and list(shop.prices("555")) == ["S"]
    status, answer = shop.replace_inventory("555", {**inventory, "products": [{**inventory["products"][0], "product_id": 1}]})
    assert status == 400 and "product_id" in answer["error"]


def test_under_a_30_percent_429_rate_no_price_is_lost(shop):
    listings = {str(600 + n): shop.add_listing(str(600 + n), SIZES) for n in range(8)}
    # Etsy counts 10 a second; a budget of 9/s without burst never passes 10 in any second.
    limiter = RateLimiter(MemoryBuckets(), {ETSY: Limit(rate_per_second=9, burst=1)})
    faults = StorefrontFaults(rate_throttled=0.3)
    with BackgroundServer(create_etsy_app(shop, faults, seed=11)) as server, \
            client(server, rate_limiter=limiter) as etsy:
        for listing, ids in listings.items():
            result = etsy.push_prices(listing, [VariantPrice(i, Decimal("27.50"), "USD") for i in ids])
            assert len(result.pushed) == len(SIZES) and not result.refused
        assert etsy.throttled > 0
    assert all(set(shop.prices(listing).values()) == {Decimal("27.50")} for listing in listings)


def test_the_per_second_limit_is_kept_by_the_shared_budget(shop):
    shop.add_listing("555", SIZES)
    shop.per_second = 4
    # A limit of N in any second is kept by N - 1 per second and no burst (a bucket allows
    # burst + rate × d in any d seconds).
    limiter = RateLimiter(MemoryBuckets(), {ETSY: Limit(rate_per_second=3, burst=1)})
    with BackgroundServer(create_etsy_app(shop)) as server, client(server, rate_limiter=limiter) as etsy:
        for n in range(6):
            assert etsy.push_prices("555", [VariantPrice(etsy_id, Decimal(20 + n), "USD")
                                            for etsy_id in etsy.read_prices("555")]).pushed
        assert shop.throttled == 0 and etsy.waited_seconds > 4  # 18 calls at 3/s


def test_daily_quota_exhaustion_is_a_clear_stop(shop):
    shop.add_listing("555", SIZES)
    shop.per_day = 1
    with BackgroundServer(create_etsy_app(shop)) as server, client(server) as etsy:
        etsy.read_prices("555")
        assert etsy.remaining_today == 0
        with pytest.raises(StorefrontError, match="daily request quota") as stopped:
            etsy.read_prices("555")
        assert not stopped.value.retryable


@pytest.mark.parametrize("bad", ["", "abc", "555/../556", "1" * 30, "-5", "5 5"])
def test_hostile_listing_ids_are_refused_before_any_call(shop, bad):
    shop.add_listing("555", SIZES)
    with BackgroundServer(create_etsy_app(shop)) as server, client(server) as etsy:
        with pytest.raises(StorefrontError, match="not an Etsy listing id"):
            etsy.push_prices(bad, [VariantPrice("1", Decimal("5"), "USD")])
    assert shop.requests == 0


def test_bad_credentials_and_missing_listings_are_clear(shop):
    shop.add_listing("555", SIZES)
    with BackgroundServer(create_etsy_app(shop)) as server:
        with EtsyStorefront("key", "wrong", base_url=server.base_url + "/v3/application") as etsy:
            with pytest.raises(StorefrontError, match="OAuth token") as refused:
                etsy.read_prices("555")
            assert not refused.value.retryable and etsy.calls == 1
        with client(server) as etsy:
            with pytest.raises(StorefrontError, match="HTTP 404"):
                etsy.push_prices("556", [VariantPrice("1", Decimal("5"), "USD")])
            result = etsy.push_prices("555", [VariantPrice(p, Decimal("-2"), "USD") for p in etsy.read_prices("555")])
            assert len(result.refused) == len(SIZES) and not result.pushed
    with pytest.raises(StorefrontError, match="API key and the seller's OAuth token"):
        EtsyStorefront("", "token")
