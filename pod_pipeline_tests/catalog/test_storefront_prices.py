"""`storefront_price` on both catalogs: which variants are due a push (live, priced, with
marketplace ids, price or product changed, back-off passed), what a push records, and that the
status sensor's rewrite of `variant` loses nothing of it."""

from datetime import timedelta
from decimal import Decimal


from pod_pipeline.catalog.rows import ProductRow, StorefrontPriceRow, VariantRow, now, product_id_for

from pod_pipeline_tests.catalog.conftest import USER


def live_product(catalog, template="t1", external_id="7001", status="active", prices=("24.99", "29.99")) -> str:
    pid = product_id_for("art-1", template)
    catalog.upsert_product(ProductRow(id=pid, artwork_id="art-1", template_id=template, user_id=USER, status="created"))
    catalog.update_product(pid, status=status, external_id=external_id, gelato_product_id=f"g-{template}")
    catalog.replace_artwork_variants({pid: [
        VariantRow(product_id=pid, template_variant_id=f"v{i}", title=f"Size {i}", product_uid="uid",
                   price=Decimal(price) if price else None, currency="USD", external_id=f"{external_id}{i}")
        for i, price in enumerate(prices)]})
    return pid


def pushed(pid, variant, price, product_external_id="7001", external_id=None, **fields) -> StorefrontPriceRow:
    return StorefrontPriceRow(product_id=pid, template_variant_id=variant, artwork_id="art-1", user_id=USER,
                              store="main", marketplace="shopify", product_external_id=product_external_id,
                              external_id=external_id, price=Decimal(price) if price else None,
                              currency="USD", **fields)


def test_live_priced_variants_are_due_until_pushed(catalog):
    pid = live_product(catalog)
    live_product(catalog, "t2", external_id="", prices=("9.99",))       # not listed yet: no marketplace id
    live_product(catalog, "t3", external_id="7003", status="publishing")  # not live
    live_product(catalog, "t4", external_id="7004", prices=(None,))      # not priced
    due = catalog.due_storefront_prices(now())
    assert [(d.product_id, d.template_variant_id, d.price, d.external_id) for d in due] == [
        (pid, "v0", Decimal("24.99"), "70010"), (pid, "v1", Decimal("29.99"), "70011")]
    assert due[0].product_external_id == "7001" and due[0].user_id == USER and due[0].artwork_id == "art-1"
    catalog.record_storefront_prices([pushed(pid, "v0", "24.99", pushed_at=now()),
                                      pushed(pid, "v1", "29.99", pushed_at=now())])
    assert catalog.due_storefront_prices(now()) == []
    # The status sensor rewrites `variant` from Gelato on every check: the push record stays.
    live_product(catalog)
    assert catalog.due_storefront_prices(now()) == []
    assert {r.template_variant_id: r.price for r in catalog.storefront_prices_for("art-1")} == {
        "v0": Decimal("24.99"), "v1": Decimal("29.99")}


def test_a_new_price_or_a_replaced_product_is_due_again(catalog):
    pid = live_product(catalog)
    catalog.record_storefront_prices([pushed(pid, "v0", "24.99"), pushed(pid, "v1", "29.99")])
    live_product(catalog, prices=("26.99", "29.99"))  # re-priced
    assert [(d.template_variant_id, d.price) for d in catalog.due_storefront_prices(now())] == [("v0", Decimal("26.99"))]
    live_product(catalog, external_id="8001", prices=("26.99", "29.99"))  # Gelato replaced the product
    assert [d.template_variant_id for d in catalog.due_storefront_prices(now())] == ["v0", "v1"]


def test_the_id_a_push_left_is_used_next_and_failures_back_off(catalog):
    pid = live_product(catalog, prices=("24.99", "29.99"))
    catalog.record_storefront_prices([
        pushed(pid, "v0", "20.00", external_id="renumbered-0"),   # Etsy renumbered it on the last write
        pushed(pid, "v1", None, error="INVALID: price", attempts=2, next_attempt_at=now() + timedelta(minutes=5))])
    due = catalog.due_storefront_prices(now())
    assert [(d.template_variant_id, d.external_id, d.attempts) for d in due] == [("v0", "renumbered-0", 0)]
    later = catalog.due_storefront_prices(now() + timedelta(minutes=6))
    assert [(d.template_variant_id, d.attempts) for d in later] == [("v0", 0), ("v1", 2)]
    assert catalog.storefront_prices_for("art-1")[1].error == "INVALID: price"


def test_due_rows_come_by_product_and_are_bounded(catalog):
    for n in range(3):
        live_product(catalog, f"t{n}", external_id=f"90{n}", prices=("10.00", "11.00", "12.00"))
    due = catalog.due_storefront_prices(now(), limit=4)
    assert [d.product_external_id for d in due] == ["900", "900", "900", "901"]
