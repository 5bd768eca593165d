"""The catalog on Supabase's Postgres (production), schema from `supabase/migrations`.

Why a direct Postgres connection (psycopg2) and not PostgREST (supabase-py's `table()` calls) for
the pipeline's writes:
* Speed: every catalog call here is ONE statement in ONE round trip on a connection the process
  keeps open. Through PostgREST each call is an HTTPS request to the API gateway, which then runs
  the same SQL on its own connection: a second hop and JSON encoding both ways, per transition.
* Transactions: `replace_variants` removes the variants a template dropped and upserts the rest
  as one atomic write (two statements sent together, one round trip). PostgREST runs one
  statement per request, so a batch over two requests could leave a half-replaced product.
* Atomic claims: `claim_create` is a conditional UPDATE ... RETURNING (only when no Gelato id
  and no fresh claim) plus its ledger row, in one statement. PostgREST can filter a PATCH and
  return rows, but not express `create_attempts + 1` or a lease relative to the database clock;
  that would need an RPC function, i.e. the same SQL hidden in the schema.
* RLS is unaffected: the pipeline connects as the table owner (or service_role), both bypass
  RLS exactly as the service-role key does through PostgREST; users keep reading via PostgREST.

Semantics mirror `SqliteCatalog` (the embedded catalog): `upsert_product` never clears
Gelato-owned columns, `claim_create` is one conditional update, `update_product` validates
columns and status. Differences that follow from the schema: user ids and product ids are
UUIDs (a non-UUID user id is refused with a clear error), `updated_at` is the database clock
(set by trigger, whatever a caller passes), and times in claims use the database clock too.

Types: Decimal <-> numeric(12,2), datetime <-> timestamptz, tags list <-> text[],
webhook payloads -> jsonb.

Connections: one per catalog object and process (`pg_connection.PostgresConnection`); reads are
retried once on a broken connection, writes are not (their effect may have landed). psycopg2
uses no server-side prepared statements, so the URL may also be Supabase's transaction pooler.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

import psycopg2
import psycopg2.extras
from psycopg2.extras import Json

from pod_pipeline.catalog.pg_connection import PostgresConnection
from pod_pipeline.catalog.artwork_state import ArtworkIdentityError, kept_or_new, status_assignments
from pod_pipeline.catalog.base import Catalog
from pod_pipeline.catalog.funnel import FunnelDay, check_bucket, funnel_sql, utc
from pod_pipeline.catalog.ids import is_uuid, require_uuid
from pod_pipeline.catalog.postgres_prices import PostgresPriceRows
from pod_pipeline.catalog.storefront import StorefrontPriceRows
from pod_pipeline.catalog.rows import (
    FOLLOWED_STATUSES,
    GELATO_OWNED_COLUMNS,
    ArtworkRow,
    ProductRow,
    VariantRow,
    WebhookEvent,
    check_product_update,
)

T = TypeVar("T")

_ARTWORK_COLUMNS = list(ArtworkRow.model_fields)
_PRODUCT_COLUMNS = list(ProductRow.model_fields)
_VARIANT_COLUMNS = list(VariantRow.model_fields)
# The database's trigger owns updated_at: writers never send it.
_DB_OWNED = {"updated_at"}


def _select(table: str, columns: list[str]) -> str:
    # uuids read back as text whatever adapters another library registered in this process
    return "select " + ", ".join(f"{c}::text as {c}" if c in ("id", "user_id", "product_id") else c
                                 for c in columns) + f" from public.{table}"


def _upsert(table: str, columns: list[str], conflict: str, update: Callable[[str], str]) -> str:
    """`insert ... on conflict do update` with one %s placeholder per column."""
    sets = ", ".join(f"{c} = {update(c)}" for c in columns if c not in conflict.split(", "))
    return (f"insert into public.{table} ({', '.join(columns)}) values ({', '.join(['%s'] * len(columns))}) "
            f"on conflict ({conflict}) do update set {sets}")


_ARTWORK_WRITE = [c for c in _ARTWORK_COLUMNS if c not in _DB_OWNED]
_PRODUCT_WRITE = [c for c in _PRODUCT_COLUMNS if c not in _DB_OWNED]
_ARTWORK_STATE = ("status", "reason", "new_version_status", "new_version_reason")
# A write to an existing artwork only when its owner and path are the same (else no row changes and
# the caller refuses); status through the store-truth rule of `artwork_state`.
_UPSERT_ARTWORK = (f"insert into public.artwork ({', '.join(_ARTWORK_WRITE)}) "
                   f"values ({', '.join(['%s'] * len(_ARTWORK_WRITE))}) on conflict (id) do update set "
                   + ", ".join(f"{c} = {kept_or_new(c)}" for c in _ARTWORK_WRITE if c not in ("id", *_ARTWORK_STATE))
                   + ", " + status_assignments(lambda name: f"excluded.{name}", products="public.product")
                   + " where artwork.user_id = excluded.user_id and artwork.path = excluded.path")
_ARTWORK_STATUS = status_assignments(lambda name: f"%({name})s", products="public.product")
_UPSERT_PRODUCT = _upsert("product", _PRODUCT_WRITE, "id", lambda c: (
    f"coalesce(product.{c}, excluded.{c})" if c in GELATO_OWNED_COLUMNS else f"excluded.{c}"))
_VARIANT_ROW = "(" + ", ".join(["%s"] * len(_VARIANT_COLUMNS)) + ")"
_UPSERT_VARIANTS = (f"insert into public.variant ({', '.join(_VARIANT_COLUMNS)}) values {{rows}} "
                    f"on conflict (product_id, template_variant_id) do update set "
                    + ", ".join(f"{c} = excluded.{c}" for c in _VARIANT_COLUMNS
                                if c not in ("product_id", "template_variant_id")))
# The claim and its ledger row in one statement. The lease is measured on the database clock, so
# run processes on different machines agree on it. The lease alone decides, whatever the status
# says (a listing upsert may rewrite it); a row without lease_until (no live claim since
# migration 000008 backfilled them) is claimable, exactly as in the SQLite catalog.
_CLAIM = """
with claimed as (
  update public.product
     set status = 'creating', create_attempts = create_attempts + 1, intent_at = now(),
         lease_until = now() + make_interval(secs => %(lease)s)
   where id = %(id)s and gelato_product_id is null
     and coalesce(lease_until, '-infinity') < now()
  returning id, create_attempts, intent_at
), ledger as (
  insert into public.publish_intent (product_id, attempt, claimed_at, lease_seconds)
  select id, create_attempts, intent_at, %(lease)s from claimed
)
select create_attempts from claimed
"""
_FOLLOWED = "(" + ", ".join(f"'{s}'" for s in FOLLOWED_STATUSES) + ")"
# Days in UTC whatever the session's time zone; created_at is served by artwork_created_at_idx.
_FUNNEL = funnel_sql(schema="public.", artworks="public.artwork a", created_at="a.created_at",
                     day="(a.created_at at time zone 'UTC')::date", since="%(since)s")


class PostgresCatalog(PostgresPriceRows, StorefrontPriceRows, Catalog):
    kind = "postgres"
    # Process-wide tallies for benchmarks: statements sent (each one round trip) and rows they
    # changed (for a multi-statement batch, the rows of its last statement: the upsert).
    round_trips = 0
    rows_changed = 0
    # The dialect `StorefrontPriceRows` writes its SQL in.
    _placeholder, _schema, _uuid_text, _differs = "%s", "public.", "::text", "is distinct from"

    def __init__(self, database_url: str, *, connect_timeout: int = 10):
        self.database_url = database_url
        self.connect_timeout = connect_timeout
        self._pg = PostgresConnection(database_url, "pod_pipeline catalog", connect_timeout=connect_timeout)

    def __repr__(self) -> str:  # never show the URL: it carries the database password
        return "PostgresCatalog(...)"

    # -- connection --------------------------------------------------------------------------
    def _run(self, work: Callable[[Any], T], *, retry: bool = False) -> T:
        def counted(cur):
            result = work(cur)
            PostgresCatalog.round_trips += 1
            if cur.description is None and cur.rowcount > 0:
                PostgresCatalog.rows_changed += cur.rowcount
            return result
        return self._pg.run(counted, retry=retry)

    def _fetch(self, sql: str, params: Any, many: bool = False) -> Any:
        def work(cur):
            cur.execute(sql, params)
            return cur.fetchall() if many else cur.fetchone()
        return self._run(work, retry=True)

    def _write(self, sql: str, params: Any) -> None:
        self._run(lambda cur: cur.execute(sql, params))

    def _timestamp(self, moment: datetime) -> datetime:
        return utc(moment)

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        return self._fetch(sql, tuple(params), many=True)

    def _execute_many(self, sql: str, rows: list[list[Any]]) -> None:
        self._run(lambda cur: psycopg2.extras.execute_batch(cur, sql, rows, page_size=500))

    def close(self) -> None:
        self._pg.close()

    def __enter__(self) -> PostgresCatalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- artworks ----------------------------------------------------------------------------
    def upsert_artwork(self, row: ArtworkRow) -> None:
        require_uuid(row.user_id, "artwork user_id")

        def work(cur):
            cur.execute(_UPSERT_ARTWORK, [getattr(row, c) for c in _ARTWORK_WRITE])
            return cur.rowcount
        if not self._run(work):
            raise ArtworkIdentityError(row.id)

    def set_artwork_status(self, artwork_id: str, status: str, reason: str | None = None) -> None:
        # Same validation as SQLite (pydantic's ValidationError on an unknown status).
        ArtworkRow.model_validate({"id": artwork_id, "user_id": "", "path": "", "version": "", "status": status})
        self._write(f"update public.artwork set {_ARTWORK_STATUS} where id = %(id)s",
                    {"status": status, "reason": reason, "id": artwork_id})

    def artwork_ids_for_paths(self, paths: Sequence[str]) -> dict[str, str]:
        rows = self._fetch("select path, id from public.artwork where path = any(%s)", (list(dict.fromkeys(paths)),),
                           many=True)
        return dict(rows)

    def get_artwork(self, artwork_id: str) -> ArtworkRow | None:
        found = self._fetch(_select("artwork", _ARTWORK_COLUMNS) + " where id = %s", (artwork_id,))
        return ArtworkRow.model_validate(dict(zip(_ARTWORK_COLUMNS, found))) if found else None

    # -- the funnel --------------------------------------------------------------------------
    def funnel_counts(self, since: datetime, bucket: str = "day") -> list[FunnelDay]:
        check_bucket(bucket)
        rows = self._fetch(_FUNNEL, {"since": utc(since)}, many=True)
        return [FunnelDay.from_row(r) for r in rows]

    def stuck_artworks(self, statuses: Sequence[str], updated_before: datetime, limit: int = 100,
                       after: tuple[datetime, str] | None = None) -> list[ArtworkRow]:
        past, params = "", ()
        if after is not None:
            past, params = "and (updated_at, id) > (%s, %s) ", (utc(after[0]), after[1])
        rows = self._fetch(_select("artwork", _ARTWORK_COLUMNS) + " where status = any(%s) and updated_at < %s "
                           f"{past}order by updated_at, id limit %s",
                           (list(statuses), utc(updated_before), *params, limit), many=True)
        return [ArtworkRow.model_validate(dict(zip(_ARTWORK_COLUMNS, r))) for r in rows]

    # -- products ----------------------------------------------------------------------------
    def upsert_product(self, row: ProductRow) -> None:
        require_uuid(row.id, "product id")
        require_uuid(row.user_id, "product user_id")
        self._write(_UPSERT_PRODUCT, [getattr(row, c) for c in _PRODUCT_WRITE])

    def upsert_products(self, rows: list[ProductRow]) -> None:
        for row in rows:
            require_uuid(row.id, "product id")
            require_uuid(row.user_id, "product user_id")
        if not rows:
            return
        single = "(" + ", ".join(["%s"] * len(_PRODUCT_WRITE)) + ")"

        def work(cur):
            values = ", ".join(cur.mogrify(single, [getattr(r, c) for c in _PRODUCT_WRITE]).decode() for r in rows)
            cur.execute(_UPSERT_PRODUCT.replace("values (" + ", ".join(["%s"] * len(_PRODUCT_WRITE)) + ")",
                                                "values " + values))  # no params: % is literal
        self._run(work)

    def update_product(self, product_id: str, **fields: Any) -> None:
        check_product_update(fields)
        if "user_id" in fields:
            require_uuid(fields["user_id"], "product user_id")
        if not is_uuid(product_id):
            return  # no such product can exist; SQLite's update matches no row either
        values = {c: v for c, v in fields.items() if c not in _DB_OWNED}
        # With nothing else to set, still touch the row (the trigger stamps updated_at), as SQLite does.
        assignments = ", ".join(f"{c} = %s" for c in values) or "updated_at = now()"
        self._write(f"update public.product set {assignments} where id = %s", [*values.values(), product_id])

    def claim_create(self, product_id: str, lease_seconds: float) -> int | None:
        if not is_uuid(product_id):
            return None

        def work(cur):
            cur.execute(_CLAIM, {"id": product_id, "lease": float(lease_seconds)})
            claimed = cur.fetchone()
            return claimed[0] if claimed else None
        return self._run(work)  # never retried: a lost answer may hide a won claim

    def shorten_create_lease(self, product_id: str, seconds: float) -> None:
        if is_uuid(product_id):
            self._write("update public.product set lease_until = least(coalesce(lease_until, 'infinity'), "
                        "now() + make_interval(secs => %s)) where id = %s and gelato_product_id is null",
                        (float(seconds), product_id))

    def product_with_gelato_id(self, gelato_product_id: str) -> ProductRow | None:
        found = self._fetch(_select("product", _PRODUCT_COLUMNS) + " where gelato_product_id = %s",
                            (gelato_product_id,))
        return _product(found) if found else None

    def _products_where(self, condition: str, params: Any) -> list[ProductRow]:
        rows = self._fetch(_select("product", _PRODUCT_COLUMNS) + " where " + condition, params, many=True)
        return [_product(r) for r in rows]

    def products_with_gelato_ids(self, gelato_product_ids: Sequence[str]) -> list[ProductRow]:
        ids = list(dict.fromkeys(gelato_product_ids))
        return self._products_where("gelato_product_id = any(%s)", (ids,)) if ids else []

    def products_due(self, limit: int) -> list[ProductRow]:
        return self._products_where(
            f"gelato_product_id is not null and status in {_FOLLOWED} "
            "and (next_check_at is null or next_check_at <= now()) order by next_check_at nulls first limit %s",
            (limit,))

    def products_with_status(self, status: str) -> list[ProductRow]:
        return self._products_where("status = %s order by id", (status,))

    def product_status_counts(self) -> dict[str, int]:
        return dict(self._fetch("select status, count(*) from public.product group by status order by status", (),
                                many=True))

    def products_in_store(self, template_id: str | None = None, store: str | None = None) -> list[ProductRow]:
        where, params = ["gelato_product_id is not null"], []
        for column, value in (("template_id", template_id), ("store", store)):
            if value is not None:
                where.append(f"{column} = %s")
                params.append(value)
        return self._products_where(" and ".join(where) + " order by id", params)

    def get_product(self, product_id: str) -> ProductRow | None:
        if not is_uuid(product_id):
            return None
        found = self._fetch(_select("product", _PRODUCT_COLUMNS) + " where id = %s", (product_id,))
        return _product(found) if found else None

    def products_for(self, artwork_id: str) -> list[ProductRow]:
        # collate "C": byte order, the order SQLite returns
        rows = self._fetch(_select("product", _PRODUCT_COLUMNS) + ' where artwork_id = %s order by template_id collate "C", store collate "C"',
                           (artwork_id,), many=True)
        return [_product(r) for r in rows]

    # -- variants ----------------------------------------------------------------------------
    def replace_artwork_variants(self, rows_by_product: Mapping[str, list[VariantRow]]) -> None:
        """One round trip, one transaction for all the products: drop the variants not given,
        upsert the rest. Upserting (rather than delete-all + insert) keeps unchanged variants as
        UPDATEs for Realtime subscribers; DELETE events reach every subscriber unfiltered."""
        for product_id, rows in rows_by_product.items():
            require_uuid(product_id, "product id")
            strangers = sorted({r.product_id for r in rows} - {product_id})
            if strangers:
                raise ValueError(f"replace_variants({product_id!r}) got rows of other products: {strangers}")
        if not rows_by_product:
            return
        everything = [r for rows in rows_by_product.values() for r in rows]

        def work(cur):
            statements = [cur.mogrify("delete from public.variant where product_id = %s "
                                      "and template_variant_id <> all(%s::text[])",
                                      (product_id, [r.template_variant_id for r in rows])).decode()
                          for product_id, rows in rows_by_product.items()]
            if everything:
                values = ", ".join(cur.mogrify(_VARIANT_ROW, [getattr(r, c) for c in _VARIANT_COLUMNS]).decode()
                                   for r in everything)
                statements.append(_UPSERT_VARIANTS.format(rows=values))
            # Several statements in one simple query run as one implicit transaction (autocommit).
            cur.execute(";\n".join(statements))
        self._run(work, retry=True)

    def variants_for(self, product_id: str) -> list[VariantRow]:
        if not is_uuid(product_id):
            return []
        rows = self._fetch(_select("variant", _VARIANT_COLUMNS)
                           + ' where product_id = %s order by template_variant_id collate "C"', (product_id,), many=True)
        return [VariantRow.model_validate(dict(zip(_VARIANT_COLUMNS, r))) for r in rows]

    # -- Gelato webhook events ---------------------------------------------------------------
    def record_webhook_event(self, event_id: str, event: str, store_product_id: str | None, payload: Any) -> bool:
        """Store a webhook delivery once; True when `event_id` is new, False for a redelivery."""
        def work(cur):
            cur.execute("insert into public.gelato_event (id, event, store_product_id, payload) values (%s, %s, %s, %s) "
                        "on conflict (id) do nothing returning id", (event_id, event, store_product_id, Json(payload)))
            return cur.fetchone() is not None
        return self._run(work)  # not retried: a lost answer would turn "new" into "seen"

    def unprocessed_webhook_events(self, limit: int = 500) -> list[WebhookEvent]:
        rows = self._fetch("select id, event, store_product_id, payload, received_at from public.gelato_event "
                           "where processed_at is null order by received_at, id limit %s", (limit,), many=True)
        return [WebhookEvent(id=r[0], event=r[1], store_product_id=r[2], payload=r[3], received_at=r[4]) for r in rows]

    def mark_webhook_events_processed(self, event_ids: Sequence[str]) -> None:
        if event_ids:
            self._write("update public.gelato_event set processed_at = now() where id = any(%s) "
                        "and processed_at is null", (list(event_ids),))

    def purge_webhook_events(self, processed_before: datetime, limit: int = 1000) -> int:
        def work(cur):
            cur.execute("delete from public.gelato_event where id in (select id from public.gelato_event where "
                        "processed_at < %s order by processed_at limit %s)", (utc(processed_before), limit))
            return cur.rowcount
        return self._run(work)


def _product(found: Iterable[Any]) -> ProductRow:
    data = dict(zip(_PRODUCT_COLUMNS, found))
    data["tags"] = list(data["tags"] or [])
    return ProductRow.model_validate(data)
