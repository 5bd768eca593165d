"""A catalog with artworks stopped at every funnel stage over several upload days, written
through the catalog's own methods; only the times are set in SQL (the catalog stamps "now")."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
import psycopg2
import pytest

from pod_pipeline.catalog.postgres import PostgresCatalog
from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, now, product_id_for
from pod_pipeline.catalog.sqlite import SqliteCatalog

USER = "6a0c3a8e-4d8b-4f43-9a51-5a3d3bb1c001"
POSTER, MUG = "poster", "mug"


@pytest.fixture(params=["sqlite", "postgres"])
def catalog(request, tmp_path):
    if request.param == "sqlite":
        yield SqliteCatalog(tmp_path / "catalog.db")
        return
    with PostgresCatalog(request.getfixturevalue("database_url")) as db:
        yield db


def catalog_url(db) -> str:
    return f"sqlite:///{db.path}" if isinstance(db, SqliteCatalog) else db.database_url


def set_times(db, artwork_id: str, *, created_at: datetime | None = None, updated_at: datetime | None = None) -> None:
    """Backdate an artwork (Postgres' trigger stamps updated_at on every write: bypassed here)."""
    if isinstance(db, SqliteCatalog):
        with sqlite3.connect(db.path) as conn:
            if created_at:
                conn.execute("update artwork_created set created_at=? where artwork_id=?",
                             (created_at.isoformat(), artwork_id))
            if updated_at:
                conn.execute("update artwork set updated_at=? where id=?", (updated_at.isoformat(), artwork_id))
        return
    conn = psycopg2.connect(db.database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("set local session_replication_role = replica")
            cur.execute("update public.artwork set created_at = coalesce(%s, created_at), "
                        "updated_at = coalesce(%s, updated_at) where id = %s", (created_at, updated_at, artwork_id))
    finally:
        conn.close()


def add_artwork(db, artwork_id: str, status: str, created_at: datetime) -> None:
    db.upsert_artwork(ArtworkRow(id=artwork_id, user_id=USER, path=f"{USER}/{artwork_id}.png", version="v1",
                                 status=status))
    set_times(db, artwork_id, created_at=created_at)


def add_product(db, artwork_id: str, template: str, status: str, *, titled: bool = True,
                gelato_id: str | None = None) -> None:
    db.upsert_product(ProductRow(
        id=product_id_for(artwork_id, template), artwork_id=artwork_id, template_id=template, user_id=USER,
        status=status, title=f"{artwork_id} {template}" if titled else None,
        description="<p>copy</p>" if titled else None))
    if gelato_id:
        db.update_product(product_id_for(artwork_id, template), gelato_product_id=gelato_id,
                          external_id=f"etsy-{gelato_id}" if status == "active" else None)


def add_prices(db, artwork_id: str, template: str = POSTER) -> None:
    changes = pd.DataFrame([{
        "product_id": product_id_for(artwork_id, template), "template_variant_id": variant, "country": "US",
        "artwork_id": artwork_id, "template_id": template, "currency": "USD", "cost": "10.00",
        "cost_currency": "USD", "fx_rate": "1", "fx_date": "", "price": "24.99", "profit": "9.00",
        "margin_kept": "0.36", "rule_id": "default", "reason": "new", "cost_in_currency": "10.00",
    } for variant in ("small", "large")], dtype=object)
    db.write_prices(changes, pd.DataFrame(columns=["artwork_id", "template_id", "template_variant_id", "country"]),
                    "US")


@dataclass(frozen=True)
class SeededFunnel:
    days: tuple[date, date, date]  # the three upload days, oldest first
    # per day: uploads, printable, copy_written, priced, published, live
    expected: dict[date, tuple[int, int, int, int, int, int]]


def midday(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=timezone.utc)


def seed_funnel(db) -> SeededFunnel:
    today = now().date()
    first, second, third = (today - timedelta(days=n) for n in (3, 2, 1))
    # Day 1: one rejected, one live on the poster with the mug skipped (partial), one still publishing.
    add_artwork(db, "d1-rejected", "rejected", midday(first))
    add_artwork(db, "d1-partial", "partial", midday(first) + timedelta(hours=3))
    add_prices(db, "d1-partial")
    add_product(db, "d1-partial", POSTER, "active", gelato_id="g-d1-partial")
    add_product(db, "d1-partial", MUG, "skipped")
    add_artwork(db, "d1-publishing", "publishing", midday(first) + timedelta(hours=11, minutes=59))
    add_prices(db, "d1-publishing")
    add_product(db, "d1-publishing", POSTER, "publishing", gelato_id="g-d1-publishing")
    # Day 2: one at each earlier stage.
    add_artwork(db, "d2-processing", "processing", midday(second) - timedelta(hours=12))  # 00:00 UTC sharp
    add_artwork(db, "d2-copy-failed", "failed", midday(second))  # priced, but the copy broke the rules
    add_prices(db, "d2-copy-failed")
    add_artwork(db, "d2-copy-only", "processing", midday(second))
    add_product(db, "d2-copy-only", POSTER, "pending")
    add_artwork(db, "d2-claimed", "processing", midday(second))  # priced, create claim in flight
    add_prices(db, "d2-claimed")
    add_product(db, "d2-claimed", POSTER, "creating")
    # Day 3: two live, and a rejected re-upload whose earlier product is still in the store.
    for name in ("d3-live-a", "d3-live-b"):
        add_artwork(db, name, "published", midday(third))
        add_prices(db, name)
        add_product(db, name, POSTER, "active", gelato_id=f"g-{name}")
    add_artwork(db, "d3-rejected-reupload", "rejected", midday(third))
    add_prices(db, "d3-rejected-reupload")
    add_product(db, "d3-rejected-reupload", POSTER, "active", gelato_id="g-d3-rejected-reupload")
    # Outside every window the tests use.
    add_artwork(db, "old-live", "published", midday(today - timedelta(days=40)))
    add_prices(db, "old-live")
    add_product(db, "old-live", POSTER, "active", gelato_id="g-old-live")
    return SeededFunnel(days=(first, second, third), expected={
        first: (3, 2, 2, 2, 2, 1),
        second: (4, 3, 2, 1, 0, 0),
        third: (3, 2, 2, 2, 2, 2),
    })
