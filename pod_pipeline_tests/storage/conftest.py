"""Supabase storage fixtures: a fresh database with Supabase's `storage` schema on the local
Postgres (dropped afterwards), the Storage API stand-in serving it over HTTP, and clients."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import psycopg2
import pytest
from supabase import ClientOptions, create_client

from pod_pipeline.tools.db.migrate import apply_migrations
from pod_pipeline.storage.supabase import SupabaseStorage
from pod_pipeline.tools.storage_standin import DEFAULT_ADMIN_URL, StorageStandin, create_storage_schema, temporary_database

ADMIN_URL = os.environ.get("POD_TEST_PG_ADMIN_URL", DEFAULT_ADMIN_URL)
USER_A = "0a0a0a0a-0000-4000-8000-00000000000a"
USER_B = "0b0b0b0b-0000-4000-8000-00000000000b"


@pytest.fixture
def storage_db() -> Iterator[str]:
    """Supabase's storage schema plus the project's migrations: the stand-in runs every object
    query under the caller's role, so what a user may do is what the migrations' policies say."""
    with temporary_database(ADMIN_URL, prefix="pod_storage_test") as url:
        create_storage_schema(url)
        apply_migrations(url)
        yield url


@pytest.fixture
def standin(storage_db) -> Iterator[StorageStandin]:
    with StorageStandin(storage_db) as server:
        yield server


@pytest.fixture
def http_client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def storage(standin, storage_db, http_client) -> Iterator[SupabaseStorage]:
    """SupabaseStorage with the storage.objects cursor (no settle delay: tests read at once)."""
    with SupabaseStorage(standin.url, standin.service_role_key, database_url=storage_db,
                         http_client=http_client, settle_seconds=0) as store:
        yield store


@pytest.fixture
def list_storage(standin, http_client) -> Iterator[SupabaseStorage]:
    """SupabaseStorage without a database URL: the list-API fallback."""
    with SupabaseStorage(standin.url, standin.service_role_key, http_client=http_client,
                         settle_seconds=0, list_page_size=2) as store:
        yield store


def user_bucket(standin: StorageStandin, user_id: str, http_client: httpx.Client):
    """The bucket as the artist's browser sees it: supabase-py with the anon key and the user's
    access token."""
    options = ClientOptions(auto_refresh_token=False, persist_session=False, httpx_client=http_client,
                            headers={"Authorization": f"Bearer {standin.user_token(user_id)}"})
    return create_client(standin.url, standin.anon_key, options=options).storage.from_(standin.bucket)


def sql(database_url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall() if cur.description else []
    conn.close()
    return rows
