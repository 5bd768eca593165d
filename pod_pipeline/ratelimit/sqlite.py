"""Buckets in the embedded catalog's SQLite file: shared by every process on this host that uses
the same catalog. `begin immediate` takes the file's write lock before the bucket is read, so two
processes cannot both spend the same tokens; the clock is the host's wall clock, which every
process on it shares."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

from pod_pipeline.catalog.sqlite_lock import begin_immediate
from pod_pipeline.ratelimit.bucket import Bucket, Limit, Reservation, check_request, reserve

_UPSERT = ("insert into api_rate_limit (api, tokens, refilled_at, rate_per_second, burst) values (?, ?, ?, ?, ?) "
           "on conflict (api) do update set tokens = excluded.tokens, refilled_at = excluded.refilled_at, "
           "rate_per_second = excluded.rate_per_second, burst = excluded.burst")
_INHERITED: list[sqlite3.Connection] = []


class SqliteBuckets:
    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        from pod_pipeline.catalog.sqlite import SqliteCatalog

        self.path = Path(path)
        SqliteCatalog(self.path)  # creates the file and its schema (api_rate_limit included) if new
        self._clock = clock
        # A connection per thread, kept open: closing the last connection to a WAL file
        # checkpoints it with an fsync, which would cost milliseconds per request.
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        held = getattr(self._local, "db", None)
        if held is not None:
            if held[0] == os.getpid():
                return held[1]
            # Inherited through fork: the parent's. Kept referenced so it is never closed here
            # (SQLite forbids using a connection across fork, closing included).
            _INHERITED.append(held[1])
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        # In WAL mode this skips the fsync per commit yet survives a process crash; only a power
        # loss may forget the last bookings. It is this connection's setting only.
        db.execute("pragma synchronous = normal")
        self._local.db = (os.getpid(), db)
        return db

    def reserve(self, api: str, limit: Limit, tokens: float, max_wait_seconds: float) -> Reservation:
        check_request(limit, tokens)
        db = self._connection()
        begin_immediate(db)  # as the catalog's writers do: SQLite's own naps would lose the lock to them
        try:
            row = db.execute("select tokens, refilled_at from api_rate_limit where api = ?", (api,)).fetchone()
            bucket, reservation = reserve(Bucket(*row) if row else None, self._clock(), limit, tokens,
                                          max_wait_seconds)
            if bucket is not None:
                db.execute(_UPSERT, (api, bucket.tokens, bucket.refilled_at, limit.rate_per_second, limit.burst))
        except BaseException:
            db.execute("rollback")
            raise
        db.execute("commit")
        return reservation

    def close(self) -> None:
        held = getattr(self._local, "db", None)
        if held is not None and held[0] == os.getpid():
            held[1].close()
        self._local.db = None
