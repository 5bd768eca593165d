"""One Postgres connection per object and process: the catalog's and the rate limiter's.

Opened on first use, autocommit (a statement is its own transaction), one statement at a time,
reopened after a broken connection or a fork. A connection inherited through fork is simply
dropped: psycopg2 closes a connection on garbage collection only in the process that opened it
(it records the pid), so the child never ends the parent's session; it opens its own.
A broken connection fails the statement; with `retry` it is reopened and the statement sent
once more (for reads, or writes whose double effect is harmless), otherwise the error stands,
because the first attempt may have landed.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, TypeVar

import psycopg2

T = TypeVar("T")


class PostgresConnection:
    def __init__(self, database_url: str, application_name: str, *, connect_timeout: int = 10):
        self.database_url = database_url
        self.application_name = application_name
        self.connect_timeout = connect_timeout
        self._conn: Any = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the URL: it carries the database password
        return f"PostgresConnection({self.application_name!r})"

    def _connection(self) -> Any:
        if self._conn is not None and self._pid != os.getpid():
            self._conn = None  # inherited through fork: the parent's; see the module docstring
        if self._conn is None or self._conn.closed:
            conn = psycopg2.connect(self.database_url, application_name=self.application_name,
                                    connect_timeout=self.connect_timeout)
            conn.autocommit = True
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def run(self, work: Callable[[Any], T], *, retry: bool) -> T:
        """`work(cursor)` on this process's connection."""
        for attempt in (1, 2):
            with self._lock:
                conn = self._connection()
                try:
                    with conn.cursor() as cur:
                        return work(cur)
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    if not conn.closed:
                        raise  # the statement failed, the connection is fine: not ours to retry
                    self._conn = None
                    if not retry or attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None
