from decimal import Decimal

import pytest
from pydantic import ValidationError

from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, VariantRow, product_id_for
from pod_pipeline.catalog.sqlite import SqliteCatalog


@pytest.fixture
def catalog(tmp_path):
    return SqliteCatalog(tmp_path / "catalog.db")


def artwork(**kw):
    return ArtworkRow(**{"id": "a1", "user_id": "u1", "path": "u1/a.png", "version": "v1", **kw})


def product(**kw):
    return ProductRow(**{"id": product_id_for("a1", "t1"), "artwork_id": "a1", "template_id": "t1",
                         "user_id": "u1", "status": "creating", "title": "T", "tags": ["x", "y"], **kw})


def test_artwork_round_trip_and_status(catalog):
    catalog.upsert_artwork(artwork(width=10, height=20))
    catalog.set_artwork_status("a1", "rejected", "file is empty")
    row = catalog.get_artwork("a1")
    assert (row.status, row.reason, row.width) == ("rejected", "file is empty", 10)
    with pytest.raises(ValidationError):
        catalog.set_artwork_status("a1", "lost")


def test_product_upsert_never_clears_gelato_ids(catalog):
    catalog.upsert_artwork(artwork())
    catalog.upsert_product(product())
    catalog.update_product(product().id, gelato_product_id="g1", status="created", create_attempts=1)
    catalog.upsert_product(product(title="New title"))  # a re-run writes the listing again
    row = catalog.get_product(product().id)
    assert (row.gelato_product_id, row.create_attempts, row.title, row.tags) == ("g1", 1, "New title", ["x", "y"])


def test_product_id_is_deterministic():
    assert product_id_for("a1", "t1") == product_id_for("a1", "t1") != product_id_for("a1", "t2")


def test_variants_are_replaced_as_one_batch(catalog):
    catalog.upsert_artwork(artwork())
    catalog.upsert_product(product())
    pid = product().id
    rows = [VariantRow(product_id=pid, template_variant_id=f"v{i}", title=f"V{i}", product_uid="uid",
                       cost=Decimal("4.10"), price=Decimal("9.99"), currency="USD") for i in range(3)]
    catalog.replace_variants(pid, rows)
    catalog.replace_variants(pid, rows[:2])
    stored = catalog.variants_for(pid)
    assert [v.template_variant_id for v in stored] == ["v0", "v1"]
    assert stored[0].price == Decimal("9.99") and stored[0].cost == Decimal("4.10")


def test_unknown_update_column_is_refused(catalog):
    with pytest.raises(ValueError, match="unknown product columns"):
        catalog.update_product("x", colour="red")


def test_an_artworks_variants_are_written_as_one_batch(catalog):
    catalog.upsert_artwork(artwork())
    first, second = product(), product(id=product_id_for("a1", "t2"), template_id="t2")
    catalog.upsert_product(first)
    catalog.upsert_product(second)
    batch = {p.id: [VariantRow(product_id=p.id, template_variant_id=f"v{i}", title=f"V{i}", product_uid="uid")
                    for i in range(2)] for p in (first, second)}
    catalog.replace_artwork_variants(batch)
    catalog.replace_artwork_variants({})
    assert [len(catalog.variants_for(p.id)) for p in (first, second)] == [2, 2]
