"""Fresh databases on the local PostgreSQL server (trust auth), one per test, always dropped."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import psycopg2

from pod_pipeline.tools.db.migrate import apply_migrations
from pod_pipeline.tools.storage_standin import temporary_database

# The server the project's machines and CI run on 127.0.0.1:5432 (see reference/supabase.md).
ADMIN_URL = os.environ.get("POD_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def url_for(database: str, user: str = "postgres", password: str | None = None) -> str:
    base = psycopg2.extensions.parse_dsn(ADMIN_URL)
    auth = f"{user}:{password}" if password else user
    return f"postgresql://{auth}@{base.get('host', '127.0.0.1')}:{base.get('port', '5432')}/{database}"


@contextmanager
def fresh_database(migrate: bool = True) -> Iterator[str]:
    """A new, uniquely named database (migrated unless told not to); dropped afterwards even if
    connections (e.g. PostgREST's) are still open."""
    try:
        psycopg2.connect(ADMIN_URL, connect_timeout=5).close()
    except psycopg2.OperationalError as error:
        raise RuntimeError(f"these tests need the local PostgreSQL at {ADMIN_URL} "
                           f"(set POD_TEST_PG_ADMIN_URL to use another): {error}") from error
    with temporary_database(ADMIN_URL, prefix="pod_test") as url:
        if migrate:
            apply_migrations(url)
        yield url


@contextmanager
def connect(url: str) -> Iterator["psycopg2.extensions.connection"]:
    """An autocommit connection (as the database owner), closed on exit."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def acting_as(url, role, sub=None):
    """A cursor inside a transaction running as `role` with `sub` in request.jwt.claims; rolled back."""
    with connect(url) as conn:
        conn.autocommit = False
        try:
            with conn.cursor() as cur:
                cur.execute(f"set local role {role}")
                if sub:
                    cur.execute("select set_config('request.jwt.claims', %s, true)",
                                (f'{{"sub":"{sub}","role":"{role}"}}',))
                yield cur
        finally:
            conn.rollback()


def migrate_up_to(url: str, version: str, folder) -> None:
    """Apply the project's migrations older than `version` only: a catalog as it was before it."""
    import shutil

    from pod_pipeline.tools.db.migrate import DEFAULT_MIGRATIONS

    folder.mkdir(parents=True, exist_ok=True)
    for migration in sorted(DEFAULT_MIGRATIONS.glob("*.sql")):
        if migration.name < version:
            shutil.copy(migration, folder)
    apply_migrations(url, folder)
