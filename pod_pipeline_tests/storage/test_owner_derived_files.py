"""What an artist's own token may do with the files the pipeline made for them, through the
Storage API stand-in, whose access control is the migrations' SQL policies on storage.objects
(run as the request's role with its JWT claims), as on the real storage server."""

from __future__ import annotations

import httpx
import pytest
from storage3.exceptions import StorageApiError

from pod_pipeline.tools.storage_standin import StorageStandin, create_storage_schema, temporary_database
from pod_pipeline_tests.storage.conftest import ADMIN_URL, USER_A, USER_B, sql, user_bucket

JPEG = "image/jpeg"


def test_an_artist_reads_their_own_preview_with_their_token_and_cache_headers(storage, standin, http_client):
    preview = storage.put_derived("dunes-1", "preview-0123.jpg", b"jpeg bytes", JPEG, owner=USER_A)
    mine, theirs = user_bucket(standin, USER_A, http_client), user_bucket(standin, USER_B, http_client)
    assert mine.download(preview) == b"jpeg bytes"
    served = http_client.get(f"{standin.url}/storage/v1/object/authenticated/artwork/{preview}",
                             headers={"apikey": standin.anon_key,
                                      "Authorization": f"Bearer {standin.user_token(USER_A)}"})
    assert served.status_code == 200 and served.headers["content-type"] == JPEG
    assert served.headers["cache-control"] == f"max-age={365 * 24 * 3600}"
    signed = mine.create_signed_url(preview, 60)  # what a frontend puts in an <img src>
    assert httpx.get(signed["signedURL"]).content == b"jpeg bytes"
    with pytest.raises(StorageApiError) as hidden:
        theirs.download(preview)
    assert str(hidden.value.status) == "404"


def test_users_cannot_forge_replace_or_delete_pipeline_files(storage, standin, http_client):
    print_file = storage.put_derived("dunes-1", "print-0123.png", b"real print", "image/png", owner=USER_A)
    mine = user_bucket(standin, USER_A, http_client)
    for forged in (print_file, f"{USER_A}/_pipeline/dunes-1/print-ffff.png"):
        with pytest.raises(StorageApiError) as refused:
            mine.upload(forged, b"forged", {"content-type": "image/png", "upsert": "true"})
        assert str(refused.value.status) == "403" and "row-level security" in refused.value.message
    assert mine.remove([print_file]) == []
    assert mine.download(print_file) == b"real print"
    # An ordinary upload in the same folder still works.
    mine.upload(f"{USER_A}/dunes.png", b"png", {"content-type": "image/png"})


def test_an_older_artworks_bucket_level_preview_is_readable_by_its_owner_only(storage, standin, storage_db,
                                                                              http_client):
    legacy = "_pipeline/dunes-0/preview.jpg"
    storage._bucket_api().upload(legacy, b"old preview", {"content-type": JPEG})
    storage._bucket_api().upload("_pipeline/dunes-0/print.png", b"old print", {"content-type": "image/png"})
    sql(storage_db, "insert into public.artwork (id, user_id, path, version, preview_path) "
                    "values ('dunes-0', %s, %s, 'v1', %s)", (USER_A, f"{USER_A}/dunes.png", legacy))
    assert user_bucket(standin, USER_A, http_client).download(legacy) == b"old preview"
    for user, path in ((USER_B, legacy), (USER_A, "_pipeline/dunes-0/print.png")):
        with pytest.raises(StorageApiError) as hidden:
            user_bucket(standin, user, http_client).download(path)
        assert str(hidden.value.status) == "404"


def test_without_the_policies_a_user_sees_and_writes_nothing(http_client):
    """The stand-in holds no copy of the rules: on a storage schema without the project's policies
    (RLS on, as on every Supabase project) users are refused, while the service role is not."""
    with temporary_database(ADMIN_URL, prefix="pod_storage_test") as url:
        create_storage_schema(url)
        with StorageStandin(url) as standin:
            mine = user_bucket(standin, USER_A, http_client)
            with pytest.raises(StorageApiError) as refused:
                mine.upload(f"{USER_A}/art.png", b"png", {"content-type": "image/png"})
            assert str(refused.value.status) == "403"
            sql(url, "insert into storage.objects (bucket_id, name, version) values ('artwork', %s, 'v1')",
                (f"{USER_A}/art.png",))
            assert mine.list(USER_A) == []
            sql(url, "create policy everyone_reads on storage.objects for select to authenticated using (true)")
            assert [row["name"] for row in mine.list(USER_A)] == ["art.png"]


def test_the_buckets_type_and_size_limits_hold_uploads_as_on_storage(storage, standin, storage_db, http_client):
    """With `allowed_mime_types` set, an upload sent without an image type (supabase-py's
    default, text/plain) is refused at the door; the pipeline's own typed files still go in."""
    sql(storage_db, "update storage.buckets set allowed_mime_types = '{image/png,image/jpeg}', "
                    "file_size_limit = 1000 where id = 'artwork'")
    mine = user_bucket(standin, USER_A, http_client)
    with pytest.raises(StorageApiError) as untyped:
        mine.upload(f"{USER_A}/art.png", b"png")
    assert str(untyped.value.status) == "415" and "text/plain;charset=UTF-8" in untyped.value.message
    with pytest.raises(StorageApiError) as too_big:
        mine.upload(f"{USER_A}/big.png", b"x" * 1001, {"content-type": "image/png"})
    assert str(too_big.value.status) == "413"
    mine.upload(f"{USER_A}/art.png", b"png", {"content-type": "image/png"})
    storage.put_derived("art-1", "preview-00.jpg", b"jpeg", JPEG, owner=USER_A)
    sql(storage_db, "update storage.buckets set allowed_mime_types = '{image/*}' where id = 'artwork'")
    mine.upload(f"{USER_A}/art.jpg", b"jpeg", {"content-type": JPEG})
