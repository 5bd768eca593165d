"""The queries the status sensor and reconcile stand on, on both catalogs: create leases that
can be shortened after an ambiguous failure, the polling schedule, lookups by Gelato id."""

import time
from datetime import timedelta


from pod_pipeline.catalog.rows import ProductRow, now, product_id_for

from pod_pipeline_tests.catalog.conftest import USER


def product(catalog, template: str, **fields) -> str:
    pid = product_id_for("art-1", template)
    catalog.upsert_product(ProductRow(id=pid, artwork_id="art-1", template_id=template, user_id=USER,
                                      status=fields.pop("status", "pending")))
    if fields:
        catalog.update_product(pid, **fields)
    return pid


def test_a_shortened_lease_lets_the_next_attempt_claim_soon_but_not_at_once(catalog):
    pid = product(catalog, "t1")
    assert catalog.claim_create(pid, 3600) == 1
    catalog.shorten_create_lease(pid, 0.3)
    assert catalog.claim_create(pid, 3600) is None  # the grace has not passed: Gelato may still be creating
    time.sleep(0.5)
    assert catalog.claim_create(pid, 3600) == 2
    catalog.shorten_create_lease(pid, 7200)  # never lengthens a lease
    assert catalog.get_product(pid).lease_until < now() + timedelta(seconds=3601)


def test_a_lease_is_never_shortened_once_the_product_is_made(catalog):
    pid = product(catalog, "t1")
    catalog.claim_create(pid, 60)
    catalog.update_product(pid, gelato_product_id="g-1", status="created")
    before = catalog.get_product(pid).lease_until
    catalog.shorten_create_lease(pid, 0)
    assert catalog.get_product(pid).lease_until == before


def test_products_due_are_the_followed_ones_whose_check_has_come_soonest_first(catalog):
    past, future = now() - timedelta(seconds=5), now() + timedelta(hours=1)
    later = product(catalog, "a", status="publishing", gelato_product_id="g-a", next_check_at=past)
    never = product(catalog, "b", status="created", gelato_product_id="g-b")
    product(catalog, "c", status="publishing", gelato_product_id="g-c", next_check_at=future)
    product(catalog, "d", status="active", gelato_product_id="g-d", next_check_at=past)
    stalled = product(catalog, "e", status="stalled", gelato_product_id="g-e", next_check_at=past - timedelta(1))
    product(catalog, "f", status="creating", next_check_at=past)  # no Gelato id yet
    assert [p.id for p in catalog.products_due(10)] == [never, stalled, later]
    assert len(catalog.products_due(2)) == 2


def test_lookups_by_gelato_id_and_by_template(catalog):
    a = product(catalog, "a", status="active", gelato_product_id="g-a")
    b = product(catalog, "b", status="publishing", gelato_product_id="g-b")
    product(catalog, "c", status="skipped")
    assert {p.id for p in catalog.products_with_gelato_ids(["g-a", "g-b", "g-zzz", "g-a"])} == {a, b}
    assert catalog.products_with_gelato_ids([]) == []
    assert {p.id for p in catalog.products_in_store()} == {a, b}
    assert [p.id for p in catalog.products_in_store("b")] == [b]


def test_a_listing_upsert_keeps_the_follow_columns(catalog):
    at = now() + timedelta(minutes=3)
    pid = product(catalog, "a", status="publishing", gelato_product_id="g-a", next_check_at=at, status_checks=4,
                  republish_reason="the template changed")
    catalog.upsert_product(ProductRow(id=pid, artwork_id="art-1", template_id="a", user_id=USER, status="publishing",
                                      title="new title"))
    row = catalog.get_product(pid)
    assert (row.status_checks, row.republish_reason, row.title) == (4, "the template changed", "new title")
    assert abs((row.next_check_at - at).total_seconds()) < 0.01
