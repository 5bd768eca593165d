"""New uploads from `storage.objects`, Supabase Storage's own table, over a direct Postgres
connection: one keyset query for the whole bucket tree.

    where bucket_id = %s and (updated_at, id) > (%s, %s) order by updated_at, id limit %s

`storage.objects` has no index on `updated_at` and a hosted project may not add one, so this is a
sequential scan with a top-N sort: linear in the bucket's size but a single round trip (see
`pod_pipeline.tools.benchmarks.sensor_scan` for the figures). Three more predicates ride on the same
scan:

- files the pipeline wrote (`is_derived`: in a `_pipeline` folder) and hidden names (a
  `.`-segment, such as the dashboard's `.emptyFolderPlaceholder`) are excluded in SQL, so they
  never take a place in a page: a burst of derived files can't fill a page and stall the sensor,
  and the cursor (the last row returned) never needs to "skip" anything;
- only rows older than `settle_seconds` are returned. `updated_at` is stamped when the storage
  server's transaction starts but becomes visible when it commits; without the margin an upload
  committing just after a younger one was read would fall behind the cursor and never be seen;
- on a storage schema with object versioning (`archived_at`/`is_delete_marker` columns), only
  current versions count.

Cursors are `"<updated_at ISO, UTC, microseconds>|<object id>"`, shared with the list-API fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pod_pipeline.storage.base import DERIVED_FOLDER, is_derived

NIL_UUID = "00000000-0000-0000-0000-000000000000"


def encode_cursor(updated_at: datetime, object_id: str) -> str:
    return f"{updated_at.astimezone(timezone.utc).isoformat()}|{object_id}"


def decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """(updated_at, id) after which to look, or None for "from the beginning"."""
    if not cursor:
        return None
    stamp, sep, object_id = cursor.partition("|")
    try:
        if not sep:
            raise ValueError("no separator")
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            raise ValueError("no time zone")
    except ValueError as error:
        raise ValueError(f"not a storage cursor ({error}): {cursor[:80]!r}") from None
    return when, object_id or NIL_UUID


def is_hidden(name: str) -> bool:
    """Dot-files and dot-folders (`.emptyFolderPlaceholder`), as the local bucket skips them."""
    return any(part.startswith(".") for part in name.split("/"))


def is_upload_name(name: str) -> bool:
    return not is_derived(name) and not is_hidden(name)


def version_of(version: str | None, etag: str | None, updated_at: datetime) -> str:
    """What changes whenever the file at a path is written again: the storage server's per-write
    `version` when the schema has it; otherwise the content hash plus the write time (the eTag
    alone would not change when the same bytes are uploaded again)."""
    if version:
        return version
    micros = int(updated_at.timestamp() * 1_000_000)
    etag = (etag or "").strip('"').strip()
    return f"{etag}-{micros:x}" if etag else f"{micros:x}"


@dataclass(frozen=True)
class ObjectRow:
    id: str
    name: str
    owner_id: str | None
    updated_at: datetime
    size: int
    version: str

    @property
    def cursor(self) -> str:
        return encode_cursor(self.updated_at, self.id)


def size_of(metadata: dict[str, Any] | None) -> int:
    metadata = metadata or {}
    for key in ("size", "contentLength"):
        value = metadata.get(key)
        if value is not None:
            try:
                return int(value)
            except (TypeError, ValueError):
                pass
    return 0


class ObjectsTable:
    """Queries on `storage.objects` through a psycopg2 connection the caller owns. Adapts to the
    storage schema's age (no `version` column before storage migration 0014, `owner` before
    `owner_id`, versioning columns in the newest)."""

    def __init__(self, conn, statement_timeout_ms: int = 20_000):
        self.conn = conn
        self.statement_timeout_ms = int(statement_timeout_ms)
        self._columns: set[str] | None = None

    def columns(self) -> set[str]:
        if self._columns is None:
            rows = self._query(
                "select column_name from information_schema.columns "
                "where table_schema = 'storage' and table_name = 'objects'", {})
            self._columns = {name for (name,) in rows}
            if not self._columns:
                raise LookupError("storage.objects does not exist in this database")
        return self._columns

    def _select_list(self) -> str:
        cols = self.columns()
        owner = "owner_id" if "owner_id" in cols else ("owner::text" if "owner" in cols else "null::text")
        version = "version" if "version" in cols else "null::text"
        return f"id::text, name, {owner}, updated_at, metadata, {version}"

    def _current_only(self) -> str:
        cols, where = self.columns(), ""
        if "archived_at" in cols:
            where += " and archived_at is null"
        if "is_delete_marker" in cols:
            where += " and not coalesce(is_delete_marker, false)"
        return where

    def _query(self, statement: str, params: dict) -> list[tuple]:
        # One short read-only transaction per query, `set local` so it also behaves behind a
        # transaction-mode pooler (Supavisor), where session settings don't stick.
        try:
            with self.conn.cursor() as cur:
                cur.execute("set local statement_timeout = %s", (self.statement_timeout_ms,))
                cur.execute(statement, params)
                rows = cur.fetchall()
            self.conn.commit()
            return rows
        except BaseException:
            self.conn.rollback()
            raise

    @staticmethod
    def _row(row: tuple) -> ObjectRow:
        object_id, name, owner_id, updated_at, metadata, version = row
        etag = (metadata or {}).get("eTag")
        return ObjectRow(id=object_id, name=name, owner_id=owner_id, updated_at=updated_at,
                         size=size_of(metadata), version=version_of(version, etag, updated_at))

    def _page(self, bucket: str, cursor: str | None, limit: int, settle_seconds: float) -> tuple[str, dict]:
        after = decode_cursor(cursor)
        statement = (
            f"select {self._select_list()} from storage.objects "
            "where bucket_id = %(bucket)s "
            "and (updated_at, id) > (%(after_ts)s::timestamptz, %(after_id)s::uuid) "
            "and updated_at <= statement_timestamp() - make_interval(secs => %(settle)s) "
            # is_derived() in SQL: `_pipeline/...` (older artworks) and `<owner>/_pipeline/...`
            "and split_part(name, '/', 1) <> %(derived)s "
            "and not (split_part(name, '/', 2) = %(derived)s and name like '%%/%%/%%') "
            "and name not like '.%%' and name not like '%%/.%%'"
            f"{self._current_only()} "
            "order by updated_at, id limit %(limit)s"
        )
        return statement, {
            "bucket": bucket,
            "after_ts": after[0].isoformat() if after else "-infinity",
            "after_id": after[1] if after else NIL_UUID,
            "settle": float(settle_seconds),
            "derived": DERIVED_FOLDER,
            "limit": int(limit),
        }

    def page_after(self, bucket: str, cursor: str | None, limit: int,
                   settle_seconds: float = 0.0) -> list[ObjectRow]:
        """Uploads (not derived, not hidden) in `(updated_at, id)` order after `cursor`."""
        statement, params = self._page(bucket, cursor, limit, settle_seconds)
        return [self._row(row) for row in self._query(statement, params)]

    def explain_page(self, bucket: str, cursor: str | None, limit: int, settle_seconds: float = 0.0) -> str:
        """Postgres's plan for `page_after` (benchmarks, diagnosis)."""
        statement, params = self._page(bucket, cursor, limit, settle_seconds)
        return "\n".join(line for (line,) in self._query("explain " + statement, params))

    def get(self, bucket: str, name: str) -> ObjectRow | None:
        rows = self._query(
            f"select {self._select_list()} from storage.objects "
            f"where bucket_id = %(bucket)s and name = %(name)s{self._current_only()} "
            "order by updated_at desc limit 1",
            {"bucket": bucket, "name": name})
        return self._row(rows[0]) if rows else None
