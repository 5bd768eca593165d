"""The storage-policies migration on a database with a `storage` schema shaped like Supabase's
(the documented columns of storage.objects and storage.foldername()), and without one."""

import psycopg2
import pytest

from pod_pipeline.tools.db.migrate import apply_migrations
from pod_pipeline_tests.db.pg import acting_as, connect
from pod_pipeline_tests.db.seed import USER_A, USER_B

STORAGE = """
create schema storage;
create table storage.objects (
  id uuid primary key default gen_random_uuid(), bucket_id text, name text, owner_id text,
  created_at timestamptz default now(), updated_at timestamptz default now(), last_accessed_at timestamptz,
  metadata jsonb, user_metadata jsonb, version text, unique (bucket_id, name));
-- Supabase's definition: the folder parts of a key, without the file name.
create function storage.foldername(name text) returns text[] language plpgsql as $$
declare _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[1:array_length(_parts, 1) - 1];
end $$;
alter table storage.objects enable row level security;
grant usage on schema storage to authenticated;
grant select, insert, update, delete on storage.objects to authenticated;
"""


def test_users_own_their_folder_of_the_artwork_bucket(empty_database_url):
    with connect(empty_database_url) as conn, conn.cursor() as cur:
        cur.execute("do $$ begin if to_regrole('authenticated') is null then create role authenticated nologin; "
                    "end if; exception when duplicate_object or unique_violation then null; end $$")
        cur.execute(STORAGE)
        cur.execute("insert into storage.objects (bucket_id, name) values ('artwork', %s), ('artwork', %s), "
                    "('artwork', '_pipeline/previews/p.png'), ('other', %s)",
                    (f"{USER_A}/a.png", f"{USER_B}/b.png", f"{USER_A}/x.png"))
    apply_migrations(empty_database_url)
    with acting_as(empty_database_url, "authenticated", USER_A) as cur:
        cur.execute("select name from storage.objects order by name")
        assert cur.fetchall() == [(f"{USER_A}/a.png",)]
        cur.execute("insert into storage.objects (bucket_id, name) values ('artwork', %s)", (f"{USER_A}/new.png",))
        cur.execute("update storage.objects set metadata = '{}' where name = %s returning name", (f"{USER_B}/b.png",))
        assert cur.fetchall() == []
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
            cur.execute("insert into storage.objects (bucket_id, name) values ('artwork', %s)", (f"{USER_B}/x.png",))
    with connect(empty_database_url) as conn, conn.cursor() as cur:
        cur.execute("select cmd from pg_policies where schemaname = 'storage' order by cmd")
        assert [r[0] for r in cur.fetchall()] == ["DELETE", "INSERT", "SELECT", "SELECT", "UPDATE"]


def test_owners_read_their_derived_files_and_cannot_forge_them(empty_database_url):
    """Derived files live in `<owner>/_pipeline/`: readable with the owner's token, never
    writable by users; an older artwork's bucket-level preview is readable by its owner only."""
    mine, theirs = f"{USER_A}/_pipeline/dunes-1/preview-00.jpg", f"{USER_B}/_pipeline/sea-1/preview-00.jpg"
    legacy = "_pipeline/dunes-0/preview.jpg"
    with connect(empty_database_url) as conn, conn.cursor() as cur:
        cur.execute("do $$ begin if to_regrole('authenticated') is null then create role authenticated nologin; "
                    "end if; exception when duplicate_object or unique_violation then null; end $$")
        cur.execute(STORAGE)
        cur.execute("insert into storage.objects (bucket_id, name) select 'artwork', unnest(%s::text[])",
                    ([mine, theirs, legacy, "_pipeline/sea-0/preview.jpg", f"{USER_A}/dunes.png"],))
    apply_migrations(empty_database_url)
    with connect(empty_database_url) as conn, conn.cursor() as cur:
        cur.execute("insert into public.artwork (id, user_id, path, version, preview_path) values "
                    "('dunes-0', %s, %s, 'v1', %s), ('sea-0', %s, %s, 'v1', %s)",
                    (USER_A, f"{USER_A}/dunes.png", legacy, USER_B, f"{USER_B}/sea.png", "_pipeline/sea-0/preview.jpg"))
    with acting_as(empty_database_url, "authenticated", USER_A) as cur:
        cur.execute("select name from storage.objects order by name")
        assert [r[0] for r in cur.fetchall()] == sorted([f"{USER_A}/dunes.png", mine, legacy])
        for forged in (mine, f"{USER_A}/_pipeline/dunes-1/print-00.png"):
            cur.execute("savepoint s")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
                cur.execute("insert into storage.objects (bucket_id, name) values ('artwork', %s)", (forged,))
            cur.execute("rollback to savepoint s")
        cur.execute("update storage.objects set metadata = '{}' where name = any(%s) returning name", ([mine, legacy],))
        assert cur.fetchall() == []
        cur.execute("delete from storage.objects where name = any(%s) returning name", ([mine, legacy],))
        assert cur.fetchall() == []
        # A file named `_pipeline` in the user's own folder is an ordinary upload.
        cur.execute("insert into storage.objects (bucket_id, name) values ('artwork', %s)", (f"{USER_A}/_pipeline",))


def test_without_a_storage_schema_the_migration_does_nothing(database_url):
    with connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from pg_policies where schemaname = 'storage'")
        assert cur.fetchall() == [(0,)]
