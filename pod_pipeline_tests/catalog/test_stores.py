"""Products per store in both catalogs: one artwork × template in two stores is two rows with
their own ids; lookups filter by store; a catalog made before stores keeps every product (in
the store `main`, ids unchanged); prices mirror into each store's main market; due storefront
prices name their store."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pandas as pd

from pod_pipeline.catalog.rows import ProductRow, VariantRow, now, product_id_for
from pod_pipeline.catalog.sqlite import SqliteCatalog

from pod_pipeline_tests.catalog.conftest import USER


def product(store: str, **fields) -> ProductRow:
    return ProductRow(**{"id": product_id_for("art-1", "t1", store), "artwork_id": "art-1", "template_id": "t1",
                         "user_id": USER, "store": store, "status": "pending", **fields})


def test_product_ids_differ_per_store_and_main_keeps_the_old_ones():
    assert product_id_for("a", "t") == product_id_for("a", "t", "main")
    assert len({product_id_for("a", "t", s) for s in ("main", "etsy", "shop")}) == 3
    assert product_id_for("a", "t", "shop") == product_id_for("a", "t", "shop")


def test_one_artwork_template_in_two_stores_is_two_products(catalog):
    for store, gelato in (("etsy", "g-1"), ("shop", "g-2")):
        catalog.upsert_product(product(store))
        catalog.update_product(product_id_for("art-1", "t1", store), gelato_product_id=gelato, status="created")
    assert [(p.store, p.gelato_product_id) for p in catalog.products_for("art-1")] == [("etsy", "g-1"), ("shop", "g-2")]
    assert [p.store for p in catalog.products_in_store(store="shop")] == ["shop"]
    assert len(catalog.products_in_store(template_id="t1")) == 2
    assert catalog.products_in_store(store="nowhere") == []


def test_prices_mirror_into_each_stores_main_market_and_due_prices_name_their_store(catalog):
    for store in ("etsy", "shop"):
        pid = product_id_for("art-1", "t1", store)
        catalog.upsert_product(product(store))
        catalog.update_product(pid, status="active", external_id=f"ext-{store}", gelato_product_id=f"g-{store}")
        catalog.replace_artwork_variants({pid: [VariantRow(product_id=pid, template_variant_id="v1", title="A3",
                                                           product_uid="uid", external_id=f"var-{store}")]})
    changes = pd.DataFrame([
        {"product_id": product_id_for("art-1", "t1"), "template_variant_id": "v1", "country": country,
         "artwork_id": "art-1", "template_id": "t1", "currency": currency, "cost": "5.00", "cost_in_currency": "5.00",
         "cost_currency": currency, "fx_rate": "1", "fx_date": "2026-11-24", "price": price, "profit": "3.00",
         "margin_kept": "0.3", "rule_id": "r", "reason": ""}
        for country, currency, price in (("US", "USD", "19.99"), ("GB", "GBP", "15.99"))])
    removals = pd.DataFrame(columns=["artwork_id", "template_id", "template_variant_id", "country"])
    catalog.write_prices(changes, removals, {"etsy": "US", "shop": "GB"})
    shown = {store: catalog.variants_for(product_id_for("art-1", "t1", store))[0] for store in ("etsy", "shop")}
    assert (shown["etsy"].price, shown["etsy"].currency) == (Decimal("19.99"), "USD")
    assert (shown["shop"].price, shown["shop"].currency) == (Decimal("15.99"), "GBP")
    due = catalog.due_storefront_prices(now(), stores=["shop"])
    assert [(d.store, d.external_id, d.price) for d in due] == [("shop", "var-shop", Decimal("15.99"))]
    assert {d.store for d in catalog.due_storefront_prices(now())} == {"etsy", "shop"}
    assert catalog.due_storefront_prices(now(), stores=[]) == []


def test_a_catalog_made_before_stores_keeps_every_product(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript("""
        create table artwork (id text primary key, user_id text not null, path text not null unique,
          version text not null, checksum text, size_bytes integer, width integer, height integer, format text,
          preview_path text, status text not null, reason text, updated_at text not null);
        create table product (id text primary key, artwork_id text not null references artwork(id),
          template_id text not null, user_id text not null, status text not null, reason text, title text,
          description text, tags text not null default '[]', gelato_product_id text unique, external_id text,
          publishing_error_code text, create_attempts integer not null default 0, intent_at text,
          published_at text, updated_at text not null, unique (artwork_id, template_id));
    """)
    old.execute("insert into artwork values ('art-1', ?, ?, 'v1', null, null, null, null, null, null, 'published', "
                "null, '2026-11-01T00:00:00+00:00')", (USER, f"{USER}/a.png"))
    old.execute("insert into product (id, artwork_id, template_id, user_id, status, gelato_product_id, updated_at) "
                "values (?, 'art-1', 't1', ?, 'active', 'g-old', '2026-11-01T00:00:00+00:00')",
                (product_id_for("art-1", "t1"), USER))
    old.commit()
    old.close()
    catalog = SqliteCatalog(path)
    [kept] = catalog.products_for("art-1")
    assert (kept.id, kept.store, kept.gelato_product_id) == (product_id_for("art-1", "t1"), "main", "g-old")
    catalog.upsert_product(product("shop"))  # the old unique (artwork, template) is gone
    assert [p.store for p in catalog.products_for("art-1")] == ["main", "shop"]
    SqliteCatalog(path)  # opening it again changes nothing
    assert len(catalog.products_for("art-1")) == 2
