"""The catalog in a SQLite file (embedded mode). Each call opens its own short transaction:
Dagster runs are separate processes, and WAL lets them read while one writes."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import pandas as pd

from pod_pipeline.catalog.artwork_state import ArtworkIdentityError, kept_or_new, status_assignments
from pod_pipeline.catalog.base import Catalog
from pod_pipeline.catalog.sqlite_lock import begin_immediate
from pod_pipeline.catalog.funnel import FunnelDay, check_bucket, funnel_sql, utc
from pod_pipeline.catalog.storefront import StorefrontPriceRows
from pod_pipeline.catalog.prices import (
    PRICE_KEY,
    PRICE_STORED,
    PRICE_WRITE,
    SHEET_ORDER,
    SHEET_SELECT,
    mirror_rows,
    write_rows,
)
from pod_pipeline.catalog.rows import (
    FOLLOWED_STATUSES,
    GELATO_OWNED_COLUMNS,
    ArtworkRow,
    ProductRow,
    VariantRow,
    WebhookEvent,
    check_product_update,
    now,
)

PRODUCT_TABLE = """create table if not exists {name} (
  id text primary key, artwork_id text not null references artwork(id), template_id text not null,
  user_id text not null, store text not null default 'main', status text not null, reason text, title text,
  description text, tags text not null default '[]', gelato_product_id text unique, external_id text,
  publishing_error_code text, artwork_checksum text, create_attempts integer not null default 0, intent_at text,
  lease_until text, published_at text, next_check_at text, status_checks integer not null default 0,
  republish_reason text, updated_at text not null, unique (artwork_id, template_id, store)
);"""

SCHEMA_TEMPLATE = """
create table if not exists artwork (
  id text primary key, user_id text not null, path text not null unique, version text not null,
  checksum text, size_bytes integer, width integer, height integer, format text, preview_path text,
  status text not null, reason text, new_version_status text, new_version_reason text, updated_at text not null
);
{product_table}
create index if not exists product_store on product(store);
create index if not exists product_status on product(status);
-- An artwork's owner and path, and a product's owner and artwork, never change (catalog/artwork_state.py).
create trigger if not exists artwork_identity_fixed before update of id, user_id, path on artwork
  when new.id is not old.id or new.user_id is not old.user_id or new.path is not old.path
  begin select raise(abort, 'an artwork''s id, owner and path never change'); end;
create trigger if not exists product_owner_fixed before update of user_id, artwork_id on product
  when new.user_id is not old.user_id or new.artwork_id is not old.artwork_id
  begin select raise(abort, 'a product''s owner and artwork never change'); end;
create index if not exists product_template on product(template_id);
create table if not exists variant (
  product_id text not null references product(id), template_variant_id text not null,
  title text not null, product_uid text not null, effective_dpi real, verdict text,
  cost text, price text, currency text, gelato_variant_id text, external_id text,
  connection_status text, primary key (product_id, template_variant_id)
);
create table if not exists variant_price (
  product_id text not null, template_variant_id text not null, country text not null,
  artwork_id text not null references artwork(id), template_id text not null, currency text not null,
  cost text not null, cost_currency text not null, fx_rate text not null, fx_date text, price text not null,
  profit text not null, margin text not null, rule_id text not null, reason text, priced_at text not null,
  primary key (product_id, template_variant_id, country)
);
create index if not exists variant_price_artwork on variant_price(artwork_id);
create table if not exists storefront_price (
  product_id text not null, template_variant_id text not null, artwork_id text not null references artwork(id),
  user_id text not null, store text not null, marketplace text not null, product_external_id text,
  external_id text, price text, currency text, error text, attempts integer not null default 0,
  next_attempt_at text, pushed_at text, primary key (product_id, template_variant_id)
);
create index if not exists storefront_price_artwork on storefront_price(artwork_id);
create table if not exists gelato_event (
  id text primary key, event text not null, store_product_id text, payload text not null,
  received_at text not null, processed_at text
);
create index if not exists gelato_event_unprocessed on gelato_event(received_at) where processed_at is null;
create table if not exists api_rate_limit (
  api text primary key, tokens real not null, refilled_at real not null,
  rate_per_second real not null, burst real not null
);
"""

SCHEMA = SCHEMA_TEMPLATE.replace("{product_table}", PRODUCT_TABLE.format(name="product"))


def _add_product_store(path: Path) -> None:
    """Catalogs made before stores hold `unique (artwork_id, template_id)` inside the product
    table, which SQLite cannot drop: the table is rebuilt once, in one transaction, with every
    existing product in the store `main` (their ids are the `main` store's)."""
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        existing = {row[1] for row in db.execute("pragma table_info(product)")}
        if not existing or "store" in existing:  # a new file, or one already rebuilt
            return
        db.execute("begin immediate")
        columns = [row[1] for row in db.execute("pragma table_info(product)")]
        if "store" not in columns:
            db.execute(PRODUCT_TABLE.format(name="product_with_store"))
            listed = ", ".join(columns)
            db.execute(f"insert into product_with_store ({listed}) select {listed} from product")
            db.execute("drop table product")
            db.execute("alter table product_with_store rename to product")
        db.execute("commit")
    finally:
        db.close()


# Columns added after the first release, as the Postgres migrations add them.
_ADDED_ARTWORK_COLUMNS = {"new_version_status": "text", "new_version_reason": "text"}
_ADDED_PRODUCT_COLUMNS = {"artwork_checksum": "text", "lease_until": "text", "next_check_at": "text",
                          "status_checks": "integer not null default 0", "republish_reason": "text"}
_ARTWORK_COLUMNS = list(ArtworkRow.model_fields)
_PRODUCT_COLUMNS = list(ProductRow.model_fields)
_VARIANT_COLUMNS = list(VariantRow.model_fields)

# A write to an existing artwork: only when the owner and path are the same (else no row changes and
# the caller refuses); status through the store-truth rule of `artwork_state`.
_UPSERT_ARTWORK = ("on conflict(id) do update set "
                   + ", ".join(f"{c}={kept_or_new(c)}" for c in _ARTWORK_COLUMNS
                               if c not in ("id", "status", "reason", "new_version_status", "new_version_reason"))
                   + ", " + status_assignments(lambda name: f"excluded.{name}")
                   + " where artwork.user_id = excluded.user_id and artwork.path = excluded.path")
_ARTWORK_STATUS = status_assignments(lambda name: f":{name}")

# The upload day the funnel counts by (Postgres: `artwork.created_at`, from its first migration).
# Kept beside `artwork` rather than in it, so artwork rows read exactly as before; a trigger
# stamps each new artwork with its first `updated_at`. Artworks made before this table existed
# take their last `updated_at`, the closest time they still have.
_ARTWORK_CREATED = (
    "create table artwork_created (artwork_id text primary key references artwork(id) on delete cascade, "
    "created_at text not null)",
    "create index artwork_created_at on artwork_created(created_at)",
    "create index if not exists artwork_status_updated on artwork(status, updated_at)",
    "create trigger artwork_stamp_created after insert on artwork begin "
    "insert or ignore into artwork_created (artwork_id, created_at) values (new.id, new.updated_at); end",
    "insert into artwork_created (artwork_id, created_at) select id, updated_at from artwork",
)

# created_at is ISO-8601 UTC text: it compares in time order, and date() reads its day.
_FUNNEL = funnel_sql(schema="", artworks="artwork_created c join artwork a on a.id = c.artwork_id",
                     created_at="c.created_at", day="date(c.created_at)", since="?")


def _add_artwork_created(path: Path) -> None:
    # One transaction: of two processes opening a new file at once, one adds it, the other sees it.
    exists = "select 1 from sqlite_master where type='table' and name='artwork_created'"
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        if db.execute(exists).fetchone():  # the usual case, without taking the write lock
            return
        db.execute("begin immediate")
        if not db.execute(exists).fetchone():
            for statement in _ARTWORK_CREATED:
                db.execute(statement)
        db.execute("commit")
    finally:
        db.close()


def _to_sql(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return json.dumps(value)
    return value


def _product_from(row: sqlite3.Row) -> ProductRow:
    data = dict(row)
    data["tags"] = json.loads(data["tags"] or "[]")
    return ProductRow.model_validate(data)


def _use_wal(db: sqlite3.Connection, attempts: int = 50) -> None:
    """Switch a new file to WAL. The switch needs the file to itself and does not wait on the busy
    timeout, so processes opening a new catalog together (run workers) retry it briefly."""
    for attempt in range(attempts):
        try:
            if db.execute("pragma journal_mode").fetchone()[0].lower() != "wal":
                db.execute("pragma journal_mode=wal")
            return
        except sqlite3.OperationalError as locked:
            if "locked" not in str(locked) or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


class SqliteCatalog(StorefrontPriceRows, Catalog):
    kind = "sqlite"
    # The dialect `StorefrontPriceRows` writes its SQL in.
    _placeholder, _schema, _uuid_text, _differs = "?", "", "", "is not"

    def _timestamp(self, moment: datetime) -> str:
        return utc(moment).isoformat()

    def _value(self, value: Any) -> Any:
        return self._timestamp(value) if isinstance(value, datetime) else _to_sql(value)

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        with self._tx(write=False) as db:
            return [tuple(row) for row in db.execute(sql, list(params)).fetchall()]

    def _execute_many(self, sql: str, rows: list[list[Any]]) -> None:
        with self._tx() as db:
            db.executemany(sql, rows)

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # executescript commits on its own, so the schema is applied outside `_tx`.
        db = sqlite3.connect(self.path, timeout=30)
        try:
            _use_wal(db)
            _add_product_store(self.path)  # before the schema's product indexes and triggers
            db.executescript(SCHEMA)
            for table, added in (("artwork", _ADDED_ARTWORK_COLUMNS), ("product", _ADDED_PRODUCT_COLUMNS)):
                columns = {row[1] for row in db.execute(f"pragma table_info({table})")}
                for column, kind in added.items():  # catalogs made before the column existed
                    if column not in columns:
                        db.execute(f"alter table {table} add column {column} {kind}")
        finally:
            db.close()
        _add_artwork_created(self.path)

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("pragma foreign_keys=on")
            # Writers take the lock up front (no upgrade deadlocks); readers never wait on them.
            if write:
                begin_immediate(db)
            else:
                db.execute("begin deferred")
            try:
                yield db
            except BaseException:
                db.execute("rollback")
                raise
            db.execute("commit")
        finally:
            db.close()

    # -- artworks ----------------------------------------------------------------------------
    def upsert_artwork(self, row: ArtworkRow) -> None:
        values = [_to_sql(getattr(row, c)) for c in _ARTWORK_COLUMNS]
        with self._tx() as db:
            written = db.execute(
                f"insert into artwork ({', '.join(_ARTWORK_COLUMNS)}) values ({', '.join('?' * len(values))}) "
                f"{_UPSERT_ARTWORK}", values).rowcount
        if not written:
            raise ArtworkIdentityError(row.id)

    def set_artwork_status(self, artwork_id: str, status: str, reason: str | None = None) -> None:
        ArtworkRow.model_validate({"id": artwork_id, "user_id": "", "path": "", "version": "", "status": status})
        with self._tx() as db:
            db.execute(f"update artwork set {_ARTWORK_STATUS}, updated_at = :at where id = :id",
                       {"status": status, "reason": reason, "at": now().isoformat(), "id": artwork_id})

    def artwork_ids_for_paths(self, paths: Sequence[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(paths))
        found: dict[str, str] = {}
        with self._tx(write=False) as db:
            for start in range(0, len(wanted), 500):  # SQLite's variable limit
                chunk = wanted[start:start + 500]
                found.update(db.execute(f"select path, id from artwork where path in ({', '.join('?' * len(chunk))})",
                                        chunk).fetchall())
        return found

    def get_artwork(self, artwork_id: str) -> ArtworkRow | None:
        with self._tx(write=False) as db:
            found = db.execute("select * from artwork where id=?", (artwork_id,)).fetchone()
        return ArtworkRow.model_validate(dict(found)) if found else None

    # -- the funnel --------------------------------------------------------------------------
    def funnel_counts(self, since: datetime, bucket: str = "day") -> list[FunnelDay]:
        check_bucket(bucket)
        with self._tx(write=False) as db:
            rows = db.execute(_FUNNEL, (utc(since).isoformat(),)).fetchall()
        return [FunnelDay.from_row(tuple(r)) for r in rows]

    def stuck_artworks(self, statuses: Sequence[str], updated_before: datetime, limit: int = 100,
                       after: tuple[datetime, str] | None = None) -> list[ArtworkRow]:
        wanted = list(statuses)
        past, params = "", []
        if after is not None:
            past, params = "and (updated_at, id) > (?, ?) ", [utc(after[0]).isoformat(), after[1]]
        with self._tx(write=False) as db:
            rows = db.execute(
                f"select {', '.join(_ARTWORK_COLUMNS)} from artwork where status in ({', '.join('?' * len(wanted))}) "
                f"and updated_at < ? {past}order by updated_at, id limit ?",
                [*wanted, utc(updated_before).isoformat(), *params, limit]).fetchall()
        return [ArtworkRow.model_validate(dict(r)) for r in rows]

    # -- products ----------------------------------------------------------------------------
    def upsert_product(self, row: ProductRow) -> None:
        self.upsert_products([row])

    def upsert_products(self, rows: list[ProductRow]) -> None:
        updates = ", ".join(
            f"{c}=coalesce(product.{c}, excluded.{c})" if c in GELATO_OWNED_COLUMNS else f"{c}=excluded.{c}"
            for c in _PRODUCT_COLUMNS if c != "id"
        )
        with self._tx() as db:
            db.executemany(
                f"insert into product ({', '.join(_PRODUCT_COLUMNS)}) values ({', '.join('?' * len(_PRODUCT_COLUMNS))}) "
                f"on conflict(id) do update set {updates}",
                [[_to_sql(getattr(row, c)) for c in _PRODUCT_COLUMNS] for row in rows],
            )

    def update_product(self, product_id: str, **fields: Any) -> None:
        check_product_update(fields)
        fields.setdefault("updated_at", now())
        assignments = ", ".join(f"{c}=?" for c in fields)
        with self._tx() as db:
            db.execute(f"update product set {assignments} where id=?",
                       [_to_sql(v) for v in fields.values()] + [product_id])

    def claim_create(self, product_id: str, lease_seconds: float) -> int | None:
        now_at = now()
        until = (now_at + timedelta(seconds=lease_seconds)).isoformat()
        with self._tx() as db:
            # ISO-8601 UTC text compares in time order.
            claimed = db.execute(
                "update product set status='creating', create_attempts=create_attempts+1, intent_at=?, "
                "lease_until=?, updated_at=? where id=? and gelato_product_id is null "
                "and coalesce(lease_until, '') < ? returning create_attempts",
                (now_at.isoformat(), until, now_at.isoformat(), product_id, now_at.isoformat()),
            ).fetchone()
        return claimed[0] if claimed else None

    def shorten_create_lease(self, product_id: str, seconds: float) -> None:
        until = (now() + timedelta(seconds=seconds)).isoformat()
        with self._tx() as db:
            db.execute("update product set lease_until=min(coalesce(lease_until, ?), ?) where id=? "
                       "and gelato_product_id is null",
                       (until, until, product_id))

    def product_with_gelato_id(self, gelato_product_id: str) -> ProductRow | None:
        with self._tx(write=False) as db:
            found = db.execute("select * from product where gelato_product_id=?", (gelato_product_id,)).fetchone()
        return _product_from(found) if found else None

    def _products_where(self, condition: str, params: Sequence[Any]) -> list[ProductRow]:
        with self._tx(write=False) as db:
            rows = db.execute(f"select * from product where {condition}", params).fetchall()
        return [_product_from(r) for r in rows]

    def products_with_gelato_ids(self, gelato_product_ids: Sequence[str]) -> list[ProductRow]:
        ids = list(dict.fromkeys(gelato_product_ids))
        found: list[ProductRow] = []
        for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
            chunk = ids[start:start + 500]
            found += self._products_where(f"gelato_product_id in ({', '.join('?' * len(chunk))})", chunk)
        return found

    def products_due(self, limit: int) -> list[ProductRow]:
        return self._products_where(
            f"gelato_product_id is not null and status in ({', '.join('?' * len(FOLLOWED_STATUSES))}) "
            "and (next_check_at is null or next_check_at <= ?) order by next_check_at is not null, next_check_at "
            "limit ?", [*FOLLOWED_STATUSES, now().isoformat(), limit])

    def products_with_status(self, status: str) -> list[ProductRow]:
        return self._products_where("status=? order by id", [status])

    def product_status_counts(self) -> dict[str, int]:
        with self._tx(write=False) as db:
            return dict(db.execute("select status, count(*) from product group by status order by status").fetchall())

    def products_in_store(self, template_id: str | None = None, store: str | None = None) -> list[ProductRow]:
        where, params = ["gelato_product_id is not null"], []
        for column, value in (("template_id", template_id), ("store", store)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        return self._products_where(" and ".join(where) + " order by id", params)

    def get_product(self, product_id: str) -> ProductRow | None:
        with self._tx(write=False) as db:
            found = db.execute("select * from product where id=?", (product_id,)).fetchone()
        return _product_from(found) if found else None

    def products_for(self, artwork_id: str) -> list[ProductRow]:
        with self._tx(write=False) as db:
            rows = db.execute("select * from product where artwork_id=? order by template_id, store", (artwork_id,)).fetchall()
        return [_product_from(r) for r in rows]

    # -- variants ----------------------------------------------------------------------------
    def replace_artwork_variants(self, rows_by_product: Mapping[str, list[VariantRow]]) -> None:
        placeholders = ", ".join("?" * len(_VARIANT_COLUMNS))
        with self._tx() as db:
            db.executemany("delete from variant where product_id=?", [(pid,) for pid in rows_by_product])
            db.executemany(
                f"insert into variant ({', '.join(_VARIANT_COLUMNS)}) values ({placeholders})",
                [[_to_sql(getattr(r, c)) for c in _VARIANT_COLUMNS] for rows in rows_by_product.values() for r in rows],
            )

    def variants_for(self, product_id: str) -> list[VariantRow]:
        with self._tx(write=False) as db:
            rows = db.execute("select * from variant where product_id=? order by template_variant_id",
                              (product_id,)).fetchall()
        return [VariantRow.model_validate(dict(r)) for r in rows]

    # -- prices ------------------------------------------------------------------------------
    def current_prices(self, artwork_ids: Sequence[str]) -> pd.DataFrame:
        columns = PRICE_KEY + PRICE_STORED
        select = ", ".join("coalesce(fx_date, '') as fx_date" if c == "fx_date" else c for c in columns)
        ids = list(dict.fromkeys(artwork_ids))
        found = []
        with self._tx(write=False) as db:
            for start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
                chunk = ids[start:start + 900]
                found += db.execute(f"select {select} from variant_price where artwork_id in "
                                    f"({', '.join('?' * len(chunk))})", chunk).fetchall()
        return pd.DataFrame([tuple(r) for r in found], columns=columns, dtype=object)

    def write_prices(self, changes: pd.DataFrame, removals: pd.DataFrame,
                     main_country: str | Mapping[str, str]) -> int:
        if changes.empty and removals.empty:
            return 0
        rows = write_rows(changes)
        stamp = now().isoformat()
        updates = ", ".join(f"{c}=excluded.{c}" for c in PRICE_WRITE[3:] + ["priced_at"])
        mirror = mirror_rows(changes, main_country)
        with self._tx() as db:
            before = db.total_changes
            db.executemany(
                f"insert into variant_price ({', '.join(PRICE_WRITE)}, priced_at) "
                f"values ({', '.join('?' * (len(PRICE_WRITE) + 1))}) "
                f"on conflict(product_id, template_variant_id, country) do update set {updates} where "
                + " or ".join(f"variant_price.{c} is not excluded.{c}" for c in PRICE_WRITE[5:] if c != "reason"),
                [(*row, stamp) for row in rows.itertuples(index=False, name=None)])
            db.executemany("delete from variant_price where artwork_id=? and template_id=? and template_variant_id=? "
                           "and country=?", removals[PRICE_KEY].itertuples(index=False, name=None))
            db.executemany("update variant set price=?, cost=?, currency=? where product_id=? and template_variant_id=? "
                           "and (price is not ? or cost is not ? or currency is not ?)",
                           [(p, c, cur, pid, vid, p, c, cur)
                            for pid, vid, p, c, cur in mirror.itertuples(index=False, name=None)])
            return db.total_changes - before

    def price_sheet(self, currency: str | None = None) -> pd.DataFrame:
        sql = SHEET_SELECT.format(schema="", price="vp.price", cost="vp.cost", fx_rate="vp.fx_rate",
                                  fx_date="vp.fx_date", profit="vp.profit", margin="vp.margin",
                                  priced_at="vp.priced_at")
        params: tuple = ()
        if currency:
            sql, params = sql + " where vp.currency = ?", (currency,)
        with self._tx(write=False) as db:
            cursor = db.execute(sql + SHEET_ORDER, params)
            names = [d[0] for d in cursor.description]
            return pd.DataFrame([tuple(r) for r in cursor.fetchall()], columns=names, dtype=object)

    # -- Gelato webhook events ---------------------------------------------------------------
    def record_webhook_event(self, event_id: str, event: str, store_product_id: str | None, payload: Any) -> bool:
        with self._tx() as db:
            stored = db.execute("insert into gelato_event (id, event, store_product_id, payload, received_at) "
                                "values (?, ?, ?, ?, ?) on conflict(id) do nothing",
                                (event_id, event, store_product_id, json.dumps(payload), now().isoformat()))
            return stored.rowcount == 1

    def unprocessed_webhook_events(self, limit: int = 500) -> list[WebhookEvent]:
        with self._tx(write=False) as db:
            rows = db.execute("select id, event, store_product_id, payload, received_at from gelato_event "
                              "where processed_at is null order by received_at, id limit ?", (limit,)).fetchall()
        return [WebhookEvent(id=r["id"], event=r["event"], store_product_id=r["store_product_id"],
                             payload=json.loads(r["payload"]), received_at=r["received_at"]) for r in rows]

    def mark_webhook_events_processed(self, event_ids: Sequence[str]) -> None:
        with self._tx() as db:
            db.executemany("update gelato_event set processed_at=? where id=? and processed_at is null",
                           [(now().isoformat(), i) for i in event_ids])

    def purge_webhook_events(self, processed_before: datetime, limit: int = 1000) -> int:
        with self._tx() as db:
            return db.execute("delete from gelato_event where id in (select id from gelato_event where processed_at "
                              "is not null and processed_at < ? order by processed_at limit ?)",
                              (utc(processed_before).isoformat(), limit)).rowcount
