"""Taking an SQLite file's write lock without SQLite's busy handler, for every writer of a file the
catalog's processes share (the catalog, the rate limiter's buckets in the same file)."""

from __future__ import annotations

import sqlite3
import time

LOCK_WAIT_SECONDS = 30.0


def begin_immediate(db: sqlite3.Connection) -> None:
    """The write lock, asked for again every few milliseconds. SQLite's own busy handler backs off
    to 100 ms naps, so under many short writers (webhook deliveries, run workers' ledger claims)
    a writer sleeps long after the lock came free: in `bench publish` the webhook receiver waited
    37 s in all for locks held 5 s in all."""
    db.execute("pragma busy_timeout=0")
    deadline, nap = time.monotonic() + LOCK_WAIT_SECONDS, 0.0005
    while True:
        try:
            db.execute("begin immediate")
            break
        except sqlite3.OperationalError as busy:
            if "locked" not in str(busy) or time.monotonic() > deadline:
                raise
            time.sleep(nap)
            nap = min(nap * 2, 0.004)
    db.execute(f"pragma busy_timeout={int(LOCK_WAIT_SECONDS * 1000)}")
