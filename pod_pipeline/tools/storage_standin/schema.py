"""The `storage` schema of a Supabase database, for tests and benchmarks on plain Postgres.

It mirrors the columns Supabase's storage server keeps (see ../shared/reference/supabase.md and the
storage server's tenant migrations): `storage.buckets` and `storage.objects` with `id uuid` primary
key, `bucket_id`, `name` (the full key, `<user uuid>/art.png`), `owner`/`owner_id`, `created_at`,
`updated_at`, `last_accessed_at`, `metadata jsonb` (`size`, `mimetype`, `eTag`, …),
`user_metadata`, `version`, the generated `path_tokens`, unique `(bucket_id, name)`, the
`name text_pattern_ops` index, the `updated_at` trigger, row level security switched on (with the
API roles `anon`/`authenticated`/`service_role` and their grants, no policies), and the
`storage.foldername/filename/extension` helpers policies use. Like Supabase it has **no index on
`created_at`/`updated_at`** (hosted projects may not add one), so the upload cursor's query is
measured here against the same access path as in production.

Every statement is `if not exists` / `or replace`: applying it twice is a no-op, and it leaves a
real Supabase database (where these objects already exist) alone.
"""

from __future__ import annotations

import psycopg2

STORAGE_SCHEMA_SQL = r"""
-- The API roles the storage server switches to (cluster-wide: another database may have made them).
do $$
declare role_name text;
begin
  foreach role_name in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_roles where rolname = role_name) then
      begin
        execute format('create role %I nologin noinherit%s', role_name,
                       case when role_name = 'service_role' then ' bypassrls' else '' end);
      exception when duplicate_object or unique_violation then null;
      end;
    end if;
  end loop;
end
$$;

create schema if not exists storage;
grant usage on schema storage to anon, authenticated, service_role;

create table if not exists storage.buckets (
    id                 text primary key,
    name               text not null,
    owner              uuid,
    owner_id           text,
    public             boolean default false,
    file_size_limit    bigint,
    allowed_mime_types text[],
    created_at         timestamptz default now(),
    updated_at         timestamptz default now()
);
create unique index if not exists bname on storage.buckets using btree (name);

create table if not exists storage.objects (
    id               uuid not null default gen_random_uuid() primary key,
    bucket_id        text references storage.buckets (id),
    name             text,
    owner            uuid,
    owner_id         text,
    created_at       timestamptz default now(),
    updated_at       timestamptz default now(),
    last_accessed_at timestamptz default now(),
    metadata         jsonb,
    user_metadata    jsonb,
    version          text,
    path_tokens      text[] generated always as (string_to_array(name, '/')) stored
);
create unique index if not exists bucketid_objname on storage.objects using btree (bucket_id, name);
create index if not exists name_prefix_search on storage.objects (name text_pattern_ops);
alter table storage.objects enable row level security;
-- As on Supabase: the API roles hold every privilege and RLS policies decide.
grant all on storage.objects, storage.buckets to anon, authenticated, service_role;

create or replace function storage.update_updated_at_column() returns trigger
language plpgsql as $$
begin
    new.updated_at = now();
    return new;
end;
$$;
create or replace trigger update_objects_updated_at
    before update on storage.objects
    for each row execute function storage.update_updated_at_column();

create or replace function storage.foldername(name text) returns text[]
language plpgsql as $$
declare _parts text[];
begin
    select string_to_array(name, '/') into _parts;
    return _parts[1:array_length(_parts, 1) - 1];
end
$$;

create or replace function storage.filename(name text) returns text
language plpgsql as $$
declare _parts text[];
begin
    select string_to_array(name, '/') into _parts;
    return _parts[array_length(_parts, 1)];
end
$$;

create or replace function storage.extension(name text) returns text
language plpgsql as $$
declare _parts text[]; _filename text;
begin
    select string_to_array(name, '/') into _parts;
    select _parts[array_length(_parts, 1)] into _filename;
    return reverse(split_part(reverse(_filename), '.', 1));
end
$$;
"""


def _run(database_url: str, statements: str, params: tuple = ()) -> None:
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            # Without parameters psycopg2 leaves `%` alone (format('%I') in the schema's DO block).
            cur.execute(statements, params or None)
    finally:
        conn.close()


def create_storage_schema(database_url: str) -> None:
    """Create Supabase's `storage` schema (buckets, objects, helpers) in a plain Postgres database.
    Idempotent."""
    _run(database_url, STORAGE_SCHEMA_SQL)


def ensure_bucket(database_url: str, bucket: str = "artwork", public: bool = False) -> None:
    """A row in `storage.buckets` (what creating a bucket in the dashboard does). Idempotent."""
    _run(database_url,
         "insert into storage.buckets (id, name, public) values (%s, %s, %s) on conflict (id) do nothing",
         (bucket, bucket, public))
