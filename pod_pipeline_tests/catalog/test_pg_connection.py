"""The one Postgres connection mechanism (catalog and rate limiter): a forked child opens its own
connection and never ends the parent's session; a broken connection is reopened only when the
caller allows a retry."""

from __future__ import annotations

import os
import time

import psycopg2
import pytest

from pod_pipeline.catalog.pg_connection import PostgresConnection


def backend(pg: PostgresConnection, retry: bool = False) -> int:
    def work(cur):
        cur.execute("select pg_backend_pid()")
        return cur.fetchone()[0]
    return pg.run(work, retry=retry)


def wait_child(pid: int, seconds: float = 20) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError("the forked child did not finish")


def test_a_forked_child_uses_its_own_connection_and_leaves_the_parents(database_url):
    pg = PostgresConnection(database_url, "pod_pipeline test")
    parent = backend(pg)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: query, then drop everything it inherited, as a run worker does
        code = 1
        try:
            os.write(write, str(backend(pg)).encode())
            pg.close()
            del pg
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    assert wait_child(pid) == 0
    child = int(os.read(read, 64))
    os.close(read)
    assert child != parent
    assert backend(pg) == parent  # the parent's session survived the child (no retry allowed)
    pg.close()


def test_a_broken_connection_is_reopened_only_when_a_retry_is_allowed(database_url):
    pg = PostgresConnection(database_url, "pod_pipeline test")
    first = backend(pg)
    with psycopg2.connect(database_url) as admin, admin.cursor() as cur:
        cur.execute("select pg_terminate_backend(%s)", (first,))
    time.sleep(0.2)
    with pytest.raises((psycopg2.OperationalError, psycopg2.InterfaceError)):
        backend(pg, retry=False)  # a write's effect may have landed: the error stands
    second = backend(pg, retry=False)  # ... and the next statement gets a fresh connection
    assert second != first
    with psycopg2.connect(database_url) as admin, admin.cursor() as cur:
        cur.execute("select pg_terminate_backend(%s)", (second,))
    time.sleep(0.2)
    assert backend(pg, retry=True) not in (first, second)  # a read: reopened and sent again
    pg.close()
