"""Buckets in the catalog's Postgres (`public.api_rate_limit`, migration 000009): shared by every
worker on every host that uses the same catalog.

One reservation is one statement: `insert … on conflict do update … returning`. The conflicting
row is locked and the update computed from its latest committed version, so concurrent callers
queue on the row and each spends only what the one before it left. Time is the database's
clock (`clock_timestamp()`), so hosts whose clocks disagree still share one budget. A refused
reservation (the `where` fails) changes nothing; a second query then says how long it would have
waited, for the error message only.

The connection is this backend's own, not the catalog's: a long catalog write (re-pricing sends
big batches) must not hold up every Gelato call behind the catalog's connection lock. Autocommit,
no server-side prepared statements, so Supabase's transaction pooler works too.
"""

from __future__ import annotations

from pod_pipeline.catalog.pg_connection import PostgresConnection
from pod_pipeline.ratelimit.bucket import Limit, Reservation, check_request

# Tokens available to the caller: the stored ones plus the refill since `refilled_at`, capped at
# the burst. `excluded.refilled_at` is the caller's clock reading, taken before it waited for the
# row lock, so it can be older than the row's: that refills nothing (greatest(0, …)).
_AVAILABLE = ("least(excluded.burst, b.tokens + greatest(0, extract(epoch from excluded.refilled_at - b.refilled_at))"
              "::float8 * excluded.rate_per_second)")

# Not waiting for the WAL flush cuts a reservation's latency several-fold. A database crash can
# then forget the last few hundred milliseconds of bookings (≤ 3 × wal_writer_delay): a handful
# of requests sent early, which the clients' 429 handling absorbs. `set local` in the same simple
# query holds for that statement's implicit transaction only, so a transaction pooler is safe.
RESERVE = f"""
set local synchronous_commit = off;
insert into public.api_rate_limit as b (api, tokens, refilled_at, rate_per_second, burst)
values (%(api)s, %(burst)s - %(tokens)s, clock_timestamp(), %(rate)s, %(burst)s)
on conflict (api) do update
   set tokens = {_AVAILABLE} - %(tokens)s,
       refilled_at = greatest(b.refilled_at, excluded.refilled_at),
       rate_per_second = excluded.rate_per_second,
       burst = excluded.burst
 where {_AVAILABLE} - %(tokens)s >= -%(max_wait)s * excluded.rate_per_second
returning greatest(0, -tokens / rate_per_second)
"""

WOULD_WAIT = """
select greatest(0, (%(tokens)s - least(%(burst)s, tokens + greatest(0, extract(epoch from clock_timestamp() - refilled_at))
       ::float8 * %(rate)s)) / %(rate)s)
  from public.api_rate_limit where api = %(api)s
"""
class PostgresBuckets:
    def __init__(self, database_url: str, *, connect_timeout: int = 10) -> None:
        self._pg = PostgresConnection(database_url, "pod_pipeline rate limit", connect_timeout=connect_timeout)

    def __repr__(self) -> str:  # never show the URL: it carries the database password
        return "PostgresBuckets(...)"

    def _one(self, sql: str, params: dict) -> tuple | None:
        # A broken connection is reopened and the statement sent once more. If the first one had
        # landed, the bucket is charged twice: callers then wait longer, never overspend.
        def work(cur):
            cur.execute(sql, params)
            return cur.fetchone()
        return self._pg.run(work, retry=True)

    def reserve(self, api: str, limit: Limit, tokens: float, max_wait_seconds: float) -> Reservation:
        check_request(limit, tokens)
        params = {"api": api, "tokens": tokens, "rate": limit.rate_per_second, "burst": limit.burst,
                  "max_wait": max_wait_seconds}
        row = self._one(RESERVE, params)
        if row is not None:
            return Reservation(float(row[0]), granted=True)
        would = self._one(WOULD_WAIT, params)
        return Reservation(float(would[0]) if would else float("inf"), granted=False)

    def close(self) -> None:
        self._pg.close()
