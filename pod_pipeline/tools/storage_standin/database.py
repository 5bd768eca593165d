"""Throw-away databases on a Postgres server (tests, benchmarks): created with a unique name,
dropped on exit even when connections are still open."""

from __future__ import annotations

import contextlib
import uuid
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_url_for(admin_url: str, name: str) -> str:
    """`admin_url` with its database replaced by `name` (credentials and options kept)."""
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path="/" + name))


def _admin(admin_url: str):
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    return conn


@contextlib.contextmanager
def temporary_database(admin_url: str = DEFAULT_ADMIN_URL, prefix: str = "pod_tmp") -> Iterator[str]:
    """Create `<prefix>_<random>` on the server `admin_url` points at, yield its URL, drop it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = _admin(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    try:
        yield database_url_for(admin_url, name)
    finally:
        conn = _admin(admin_url)
        try:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        finally:
            conn.close()
