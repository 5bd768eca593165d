"""Storefront prices against the catalog, and the push that follows the catalog (SQLite catalog,
Etsy stand-in over HTTP): a seller's edit on the marketplace is found and set back, Etsy's
renumbered ids are followed from one push to the next, a listing gone from the marketplace is
reported, and a push that fails keeps what the storefront shows."""

from decimal import Decimal

import pytest

from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, VariantRow, now, product_id_for
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.settings.stores import StoreSettings
from pod_pipeline.storefronts.etsy import EtsyStorefront
from pod_pipeline.storefronts.push import push_due
from pod_pipeline.storefronts.reconcile import find_price_drift, mark_due
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.tools.storefront_standins.etsy import EtsyShop, create_etsy_app
from pod_pipeline.tools.storefront_standins.faults import StorefrontFaults

USER = "6a0c3a8e-4d8b-4f43-9a51-5a3d3bb1c001"
KEY, TOKEN = "etsy-app-keystring", "etsy-oauth-token-of-the-seller"
STORE = StoreSettings(name="main", gelato_store_id="g", marketplace="etsy",
                      credentials={"api_key": "ETSY_API_KEY", "access_token": "ETSY_ACCESS_TOKEN"})
VARIANTS = [("3000000000001", "Small", "20.99"), ("3000000000002", "Large", "34.99")]


@pytest.fixture
def catalog(tmp_path):
    db = SqliteCatalog(tmp_path / "catalog.db")
    db.upsert_artwork(ArtworkRow(id="art-1", user_id=USER, path=f"{USER}/a.png", version="v1"))
    pid = product_id_for("art-1", "poster")
    db.upsert_product(ProductRow(id=pid, artwork_id="art-1", template_id="poster", user_id=USER, status="created"))
    db.update_product(pid, status="active", external_id="555", gelato_product_id="g-1")
    db.replace_artwork_variants({pid: [VariantRow(product_id=pid, template_variant_id=f"tv{i}", title=title,
                                                  product_uid="uid", price=Decimal(price), currency="USD",
                                                  external_id=vid)
                                       for i, (vid, title, price) in enumerate(VARIANTS)]})
    return db


@pytest.fixture
def shop():
    shop = EtsyShop(api_key=KEY, access_token=TOKEN)
    shop.add_synced_listing("555", [(vid, title) for vid, title, _ in VARIANTS])
    return shop


def test_pushed_prices_show_no_drift_and_a_sellers_edit_is_set_back(catalog, shop):
    with BackgroundServer(create_etsy_app(shop)) as server, \
            EtsyStorefront(KEY, TOKEN, base_url=server.base_url + "/v3/application") as etsy:
        assert len(find_price_drift(catalog, etsy)) == 2  # never pushed: the listing shows the template's price
        report = push_due(catalog, etsy, STORE, now())
        assert (report.pushed, report.failed, report.calls) == (2, 0, 2)
        assert find_price_drift(catalog, etsy) == []  # through the ids Etsy gave on the write
        # The seller edits a price on Etsy: found, marked due, set back.
        small = next(p for p in shop.listings["555"]["products"] if p["property_values"][0]["values"] == ["Small"])
        small["offerings"][0]["price"]["amount"] = 999
        [drift] = find_price_drift(catalog, etsy)
        assert (drift.catalog_price, drift.storefront_price) == (Decimal("20.99"), Decimal("9.99"))
        mark_due(catalog, [drift], STORE)
        assert push_due(catalog, etsy, STORE, now()).pushed == 1
        assert find_price_drift(catalog, etsy) == []
        assert shop.prices("555") == {"Small": Decimal("20.99"), "Large": Decimal("34.99")}


def test_a_failed_push_keeps_what_the_storefront_shows(catalog, shop):
    with BackgroundServer(create_etsy_app(shop)) as server, \
            EtsyStorefront(KEY, TOKEN, base_url=server.base_url + "/v3/application") as etsy:
        push_due(catalog, etsy, STORE, now())
    pid = product_id_for("art-1", "poster")
    catalog.replace_artwork_variants({pid: [v.model_copy(update={"price": v.price + 1}) for v in catalog.variants_for(pid)]})
    with BackgroundServer(create_etsy_app(shop, StorefrontFaults(rate_5xx=1.0))) as server, \
            EtsyStorefront(KEY, TOKEN, base_url=server.base_url + "/v3/application", max_attempts=2,
                           backoff_base=0.01, backoff_max=0.02) as etsy:
        report = push_due(catalog, etsy, STORE, now())
    assert report.failed == 2 and "HTTP 503" in report.failures["art-1"][0]
    rows = catalog.storefront_prices_for("art-1")
    assert [r.price for r in rows] == [Decimal("20.99"), Decimal("34.99")]  # still what the buyer sees
    assert all(r.attempts == 1 and r.error and r.next_attempt_at for r in rows)


def test_a_listing_gone_from_the_marketplace_is_reported(catalog, shop):
    del shop.listings["555"]
    with BackgroundServer(create_etsy_app(shop)) as server, \
            EtsyStorefront(KEY, TOKEN, base_url=server.base_url + "/v3/application") as etsy:
        drift = find_price_drift(catalog, etsy)
    assert len(drift) == 2 and all(d.storefront_price is None and "HTTP 404" in d.note for d in drift)
