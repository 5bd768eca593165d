"""The storage.objects cursor on its own, against the real local Postgres, including storage
schemas older and newer than the one the stand-in keeps."""

from __future__ import annotations

import pytest

from pod_pipeline.storage.objects_cursor import decode_cursor, encode_cursor, version_of
from pod_pipeline.storage.supabase import SupabaseStorage, SupabaseStorageError
from pod_pipeline_tests.storage.conftest import USER_A, sql

KEY = "service-key-not-used-by-sql-reads"


def cursor_storage(database_url: str) -> SupabaseStorage:
    return SupabaseStorage("http://127.0.0.1:9", KEY, database_url=database_url, settle_seconds=0)


def add(database_url, name, etag="abc", owner_id=None, size=3):
    sql(database_url, "insert into storage.buckets (id, name) values ('artwork', 'artwork') on conflict do nothing")
    sql(database_url, "insert into storage.objects (bucket_id, name, owner_id, metadata) values ('artwork', %s, %s, "
                      "jsonb_build_object('eTag', %s, 'size', %s))", (name, owner_id, f'"{etag}"', size))


def test_the_owner_is_the_folder_and_a_file_outside_one_is_refused(storage_db):
    # Issue 13, item 10: a file at the bucket root was published with owner ''. Whoever uploaded
    # it (owner_id), it is in nobody's folder: refused with a reason, never published.
    add(storage_db, f"{USER_A}/in-folder.png")
    add(storage_db, "loose.png", owner_id=USER_A)
    add(storage_db, "nobody.png")
    with cursor_storage(storage_db) as storage:
        uploads, _ = storage.scan(None, 10)
    assert [(u.path, u.owner, u.refused is None) for u in uploads] == [
        (f"{USER_A}/in-folder.png", USER_A, True), ("loose.png", "", False), ("nobody.png", "", False)]
    assert all("not in an owner folder" in u.refused for u in uploads[1:])


def test_without_a_version_column_the_etag_and_write_time_make_the_version(storage_db):
    sql(storage_db, "alter table storage.objects drop column version")
    add(storage_db, f"{USER_A}/art.png", etag="aaa")
    with cursor_storage(storage_db) as storage:
        [first], cursor = storage.scan(None, 10)
        assert first.version.startswith("aaa-")
        # An overwrite with the same bytes (same eTag) is still a new version: updated_at moved.
        sql(storage_db, "update storage.objects set metadata = metadata where name = %s", (f"{USER_A}/art.png",))
        [again], _ = storage.scan(cursor, 10)
    assert again.version.startswith("aaa-") and again.version != first.version


def test_with_object_versioning_only_current_versions_count(storage_db):
    sql(storage_db, "alter table storage.objects add column archived_at timestamptz, "
                    "add column is_delete_marker boolean not null default false")
    sql(storage_db, "drop index storage.bucketid_objname")  # versioned storage keeps several rows per name
    add(storage_db, f"{USER_A}/art.png", etag="old")
    sql(storage_db, "update storage.objects set archived_at = now()")
    add(storage_db, f"{USER_A}/art.png", etag="new", size=5)
    with cursor_storage(storage_db) as storage:
        uploads, _ = storage.scan(None, 10)
        assert [(u.path, u.size) for u in uploads] == [(f"{USER_A}/art.png", 5)]
        assert storage.stat(f"{USER_A}/art.png").size == 5


def test_a_database_without_storage_objects_is_named(storage_db):
    sql(storage_db, "drop schema storage cascade")
    with cursor_storage(storage_db) as storage, pytest.raises(SupabaseStorageError, match="storage.objects"):
        storage.scan(None, 10)


def test_cursors_round_trip_and_reject_foreign_ones():
    from datetime import datetime, timezone

    when = datetime(2025, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
    assert decode_cursor(encode_cursor(when, "id-1")) == (when, "id-1")
    assert decode_cursor(None) is None
    for foreign in ("1732000000000000000|u/a.png", "2025-05-01T12:00:00|x", "garbage"):
        with pytest.raises(ValueError):
            decode_cursor(foreign)
    assert version_of("v-9", '"e"', when) == "v-9"


def test_the_sql_skip_of_derived_files_agrees_with_is_derived(storage_db):
    """Both layouts of pipeline files are skipped in SQL exactly as `is_derived` says (and `_`
    is not a LIKE wildcard that would hide `u_pipeline/...`)."""
    from pod_pipeline.storage.base import is_derived

    names = ["u/a.png", "_pipeline/x/preview.jpg", "u/_pipeline/x/preview.jpg", "u/_pipeline", "_pipeline",
             "u/sub/_pipeline/x.png", "u/_pipelineX/a.png", "u_pipeline/a.png", "uX_pipeline/x/y.png"]
    for name in names:
        add(storage_db, name)
    with cursor_storage(storage_db) as storage:
        uploads, _ = storage.scan(None, 50)
    assert sorted(u.path for u in uploads) == sorted(name for name in names if not is_derived(name))
    assert {"_pipeline/x/preview.jpg", "u/_pipeline/x/preview.jpg", "_pipeline"}.isdisjoint(u.path for u in uploads)
