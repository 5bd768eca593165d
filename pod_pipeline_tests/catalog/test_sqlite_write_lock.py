"""Writers on the SQLite catalog ask for the write lock every few milliseconds instead of in
SQLite's own backing-off naps (up to 100 ms), and still give up with the lock error after the wait."""

import sqlite3
import threading
import time

import pytest

import pod_pipeline.catalog.sqlite as sqlite_catalog
import pod_pipeline.catalog.sqlite_lock as sqlite_lock
from pod_pipeline.catalog.rows import ArtworkRow
from pod_pipeline.catalog.sqlite import SqliteCatalog


def hold_write_lock(path, seconds: float, held: threading.Event, released: list | None = None) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("begin immediate")
    held.set()
    time.sleep(seconds)
    other.execute("commit")
    if released is not None:
        released.append(time.monotonic())
    other.close()


def test_a_writer_gets_the_lock_soon_after_another_process_lets_it_go(tmp_path, monkeypatch):
    catalog = SqliteCatalog(tmp_path / "catalog.db")
    locked = []  # when the writer held the lock: the write's own commit is not the lock's wait

    def timed(db):
        sqlite_lock.begin_immediate(db)
        locked.append(time.monotonic())

    monkeypatch.setattr(sqlite_catalog, "begin_immediate", timed)
    held, released = threading.Event(), []
    # 0.24 s: SQLite's busy handler has napped 228 ms by then and naps 100 ms at a time after,
    # so it would take the lock ~90 ms after its release.
    holder = threading.Thread(target=hold_write_lock, args=(tmp_path / "catalog.db", 0.24, held, released))
    holder.start()
    assert held.wait(5)
    catalog.upsert_artwork(ArtworkRow(id="a" * 32, user_id="u", path="u/a.png", version="1"))
    holder.join(5)
    assert catalog.get_artwork("a" * 32).status == "pending"
    assert locked[0] - released[0] < 0.05, locked[0] - released[0]


def test_a_writer_gives_up_with_the_lock_error_after_the_wait(tmp_path, monkeypatch):
    catalog = SqliteCatalog(tmp_path / "catalog.db")
    monkeypatch.setattr(sqlite_lock, "LOCK_WAIT_SECONDS", 0.3)
    held = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(tmp_path / "catalog.db", 1.5, held))
    holder.start()
    assert held.wait(5)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        catalog.upsert_artwork(ArtworkRow(id="b" * 32, user_id="u", path="u/b.png", version="1"))
    assert time.monotonic() - started < 1.2
    holder.join(5)
    assert catalog.get_artwork("b" * 32) is None  # nothing half-written
