"""PostgresCatalog against a fresh, migrated database on the local PostgreSQL: the behaviours of
test_sqlite.py, plus what only a shared server makes interesting (racing claims, batches)."""

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import psycopg2
import pytest
from pydantic import ValidationError

from pod_pipeline.catalog.postgres import PostgresCatalog
from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, VariantRow, product_id_for
from pod_pipeline_tests.db.pg import connect

USER = "6a0c3a8e-4d8b-4f43-9a51-5a3d3bb1c001"
PID = product_id_for("a1", "t1")


@pytest.fixture
def catalog(database_url):
    with PostgresCatalog(database_url) as db:
        yield db


def artwork(**kw):
    return ArtworkRow(**{"id": "a1", "user_id": USER, "path": f"{USER}/a.png", "version": "v1", **kw})


def product(**kw):
    return ProductRow(**{"id": PID, "artwork_id": "a1", "template_id": "t1", "user_id": USER,
                         "status": "pending", "title": "T", "tags": ["x", "y"], **kw})


def variant(i, **kw):
    return VariantRow(**{"product_id": PID, "template_variant_id": f"v{i}", "title": f"V{i}", "product_uid": "uid",
                         "cost": Decimal("4.10"), "price": Decimal("9.99"), "currency": "USD", **kw})


@pytest.fixture
def listed(catalog):
    catalog.upsert_artwork(artwork())
    catalog.upsert_product(product())
    return catalog


def test_artwork_round_trip_and_status(catalog):
    catalog.upsert_artwork(artwork(width=10, height=20))
    catalog.set_artwork_status("a1", "rejected", "file is empty")
    row = catalog.get_artwork("a1")
    assert (row.status, row.reason, row.width, row.user_id) == ("rejected", "file is empty", 10, USER)
    assert row.updated_at.tzinfo is not None
    with pytest.raises(ValidationError):
        catalog.set_artwork_status("a1", "lost")
    assert catalog.get_artwork("missing") is None


def test_product_upsert_never_clears_gelato_ids(listed):
    listed.update_product(PID, gelato_product_id="g1", status="created", create_attempts=1, external_id="e1")
    listed.upsert_product(product(title="New title"))  # a re-run writes the listing again
    row = listed.get_product(PID)
    assert (row.gelato_product_id, row.external_id, row.create_attempts, row.title, row.tags) == \
        ("g1", "e1", 1, "New title", ["x", "y"])
    assert listed.product_with_gelato_id("g1").id == PID
    assert [p.id for p in listed.products_for("a1")] == [PID]


def test_update_product_writes_and_validates(listed):
    published = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    listed.update_product(PID, status="active", published_at=published, tags=[])
    row = listed.get_product(PID)
    assert (row.status, row.published_at, row.tags) == ("active", published, [])
    with pytest.raises(ValueError, match="unknown product columns"):
        listed.update_product("x", colour="red")
    with pytest.raises(ValueError, match="product status"):
        listed.update_product(PID, status="lost")
    listed.update_product(PID, gelato_product_id=None, status="deleted")  # explicit updates may clear
    assert listed.get_product(PID).gelato_product_id is None


def test_updated_at_is_maintained_by_the_database(listed):
    before = listed.get_product(PID).updated_at
    listed.update_product(PID, updated_at=datetime(2000, 1, 1, tzinfo=timezone.utc))  # the trigger wins
    after = listed.get_product(PID).updated_at
    assert after > before and after.year > 2000


def test_variants_are_replaced_as_one_batch(listed):
    listed.replace_variants(PID, [variant(i) for i in range(3)])
    listed.replace_variants(PID, [variant(0, price=Decimal("12.50")), variant(1)])
    stored = listed.variants_for(PID)
    assert [v.template_variant_id for v in stored] == ["v0", "v1"]
    assert stored[0].price == Decimal("12.50") and stored[1].cost == Decimal("4.10")
    listed.replace_variants(PID, [])
    assert listed.variants_for(PID) == []


def test_a_failing_variant_batch_changes_nothing(listed):
    listed.replace_variants(PID, [variant(0), variant(1)])
    with pytest.raises(psycopg2.errors.CheckViolation):
        listed.replace_variants(PID, [variant(0, price=Decimal("1.00")), variant(2, currency="usd")])
    assert [(v.template_variant_id, v.price) for v in listed.variants_for(PID)] == \
        [("v0", Decimal("9.99")), ("v1", Decimal("9.99"))]


def test_variants_take_their_owner_from_the_product(listed, database_url):
    listed.replace_variants(PID, [variant(0)])
    with connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select user_id::text from variant")
        assert cur.fetchall() == [(USER,)]
    with pytest.raises(psycopg2.errors.ForeignKeyViolation):
        listed.replace_variants(product_id_for("a1", "nope"), [variant(0, product_id=product_id_for("a1", "nope"))])
    with pytest.raises(ValueError, match="other products"):
        listed.replace_variants(PID, [variant(0, product_id=product_id_for("a1", "t2"))])


def test_money_and_currency_are_checked(listed):
    with pytest.raises(psycopg2.errors.CheckViolation):
        listed.replace_variants(PID, [variant(0, price=Decimal("-1"))])


def test_unknown_update_column_is_refused(catalog):
    with pytest.raises(ValueError, match="unknown product columns"):
        catalog.update_product("x", colour="red")


def test_claim_create_is_won_once_until_the_lease_expires(listed, database_url):
    assert listed.claim_create(PID, 60) == 1
    assert listed.claim_create(PID, 60) is None  # fresh claim held
    row = listed.get_product(PID)
    assert (row.status, row.create_attempts) == ("creating", 1) and row.intent_at is not None
    assert row.lease_until - row.intent_at == timedelta(seconds=60)
    listed.update_product(PID, lease_until=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert listed.claim_create(PID, 60) == 2  # expired lease: claimable again
    listed.update_product(PID, gelato_product_id="g1", status="created")
    assert listed.claim_create(PID, 0) is None  # has a Gelato product: never again
    with connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select attempt, lease_seconds from publish_intent order by attempt")
        assert cur.fetchall() == [(1, 60.0), (2, 60.0)]  # the ledger of claims


def test_racing_claims_have_one_winner(listed, database_url):
    catalogs = [PostgresCatalog(database_url) for _ in range(8)]
    for c in catalogs:
        c.get_product(PID)  # connect first, so the claims really race
    start, results = threading.Barrier(len(catalogs)), []

    def claim(c):
        start.wait()
        results.append(c.claim_create(PID, 60))
    threads = [threading.Thread(target=claim, args=(c,)) for c in catalogs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in catalogs:
        c.close()
    assert sorted(results, key=str) == [1] + [None] * 7


def test_webhook_events_are_deduplicated(catalog, database_url):
    payload = {"event": "store_product_updated", "storeProductId": "g1", "status": "active"}
    assert catalog.record_webhook_event("evt-1", "store_product_updated", "g1", payload) is True
    assert catalog.record_webhook_event("evt-1", "store_product_updated", "g1", payload) is False
    assert catalog.record_webhook_event("evt-2", "store_product_deleted", None, {"id": "g1"}) is True
    with connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select id, payload, processed_at from gelato_event order by id")
        assert cur.fetchall() == [("evt-1", payload, None), ("evt-2", {"id": "g1"}, None)]


def test_non_uuid_user_ids_are_refused_clearly(catalog):
    with pytest.raises(ValueError, match="user_id 'u1' is not a UUID.*first folder of the upload path"):
        catalog.upsert_artwork(artwork(user_id="u1"))
    catalog.upsert_artwork(artwork())
    with pytest.raises(ValueError, match="user_id 'u1' is not a UUID"):
        catalog.upsert_product(product(user_id="u1"))


def test_product_owner_must_be_the_artwork_owner(catalog):
    catalog.upsert_artwork(artwork())
    with pytest.raises(psycopg2.errors.ForeignKeyViolation):
        catalog.upsert_product(product(user_id="6a0c3a8e-4d8b-4f43-9a51-5a3d3bb1c002"))


def test_reads_survive_a_dropped_connection(listed, database_url):
    with connect(database_url) as admin, admin.cursor() as cur:
        cur.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                    "where application_name = 'pod_pipeline catalog' and datname = current_database()")
    assert listed.get_product(PID).title == "T"  # reconnected and retried once
    assert "postgres" not in repr(listed)


def test_an_artworks_variants_go_in_one_round_trip(listed):
    other = product_id_for("a1", "t2")
    listed.upsert_product(product(id=other, template_id="t2"))
    listed.replace_variants(PID, [variant(0), variant(9)])
    trips = PostgresCatalog.round_trips
    listed.replace_artwork_variants({PID: [variant(0)], other: [variant(1, product_id=other), variant(2, product_id=other)]})
    assert PostgresCatalog.round_trips == trips + 1
    assert [v.template_variant_id for v in listed.variants_for(PID)] == ["v0"]
    assert [v.template_variant_id for v in listed.variants_for(other)] == ["v1", "v2"]
    trips = PostgresCatalog.round_trips
    listed.replace_artwork_variants({})  # nothing to write: no statement, no error
    assert PostgresCatalog.round_trips == trips
