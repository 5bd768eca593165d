"""variant_price on both catalogs: exact round trips, unchanged rows never rewritten, the main
market mirrored onto `variant`, removals, and the price sheet."""

from decimal import Decimal

import pytest

from pod_pipeline.catalog.postgres import PostgresCatalog
from pod_pipeline.catalog.prices import PRICE_KEY, PRICE_STORED
from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, VariantRow, product_id_for
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline_tests.pricing.helpers import LARGE, SMALL, TEMPLATE
from pod_pipeline_tests.pricing.test_repricing import price_once, seller

USER = "6a0c3a8e-4d8b-4f43-9a51-5a3d3bb1c001"
PID = product_id_for("art-1", TEMPLATE)


@pytest.fixture(params=["sqlite", "postgres"])
def catalog(request, tmp_path):
    if request.param == "sqlite":
        yield SqliteCatalog(tmp_path / "catalog.db")
        return
    database_url = request.getfixturevalue("database_url")
    with PostgresCatalog(database_url) as db:
        yield db


@pytest.fixture
def priced_artwork(catalog):
    catalog.upsert_artwork(ArtworkRow(id="art-1", user_id=USER, path=f"{USER}/a.png", version="v1"))
    return catalog


def sorted_rows(frame):
    return frame[PRICE_KEY + PRICE_STORED].sort_values(PRICE_KEY).to_dict("records")


def test_prices_round_trip_exactly_and_unchanged_rows_are_not_rewritten(priced_artwork):
    db, s = priced_artwork, seller(markets=[{"country": "US", "currency": "USD"}, {"country": "GB", "currency": "GBP"}])
    first = price_once(s)
    assert db.write_prices(first.changes, first.removals, "US") == 4
    stored = db.current_prices(["art-1"])
    assert sorted_rows(stored) == sorted_rows(first.rows)  # canonical text both ways

    again = price_once(s, current=stored)
    assert again.changes.empty and again.removals.empty
    assert db.write_prices(again.changes, again.removals, "US") == 0
    # even if handed every row, identical values are not rewritten
    assert db.write_prices(first.changes, first.removals, "US") == 0


def test_main_market_is_mirrored_onto_existing_variants_and_removals_delete(priced_artwork):
    db, s = priced_artwork, seller()
    db.upsert_product(ProductRow(id=PID, artwork_id="art-1", template_id=TEMPLATE, user_id=USER, status="active",
                                 gelato_product_id="g-1", external_id="shop-1"))
    db.replace_artwork_variants({PID: [VariantRow(product_id=PID, template_variant_id=v, title=v, product_uid="u",
                                                  external_id=f"shop-{v}") for v in (SMALL, LARGE)]})
    first = price_once(s)
    assert db.write_prices(first.changes, first.removals, "US") == 4  # 2 prices + 2 mirrored variants
    assert {v.template_variant_id: v.price for v in db.variants_for(PID)} == {SMALL: Decimal("17.50"),
                                                                              LARGE: Decimal("34.17")}
    moved = price_once(s, small_cost="11", large_cost=None, current=db.current_prices(["art-1"]))
    assert db.write_prices(moved.changes, moved.removals, "US") == 3  # 1 price, 1 mirror, 1 removal
    assert list(db.current_prices(["art-1"])["template_variant_id"]) == [SMALL]
    assert db.variants_for(PID)[1].price == Decimal("19.17")

    sheet = db.price_sheet("USD")
    assert list(sheet[["gelato_product_id", "external_variant_id", "price"]].itertuples(index=False, name=None)) == [
        ("g-1", f"shop-{SMALL}", "19.17")]
    assert db.price_sheet("EUR").empty
