"""SupabaseStorage over real HTTP against the Storage API stand-in, whose objects live in a real
`storage.objects` table on the local Postgres."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from storage3.exceptions import StorageApiError

from pod_pipeline.storage.base import DERIVED_PREFIX, artwork_id_for
from pod_pipeline.storage.supabase import DEFAULT_SIGNED_URL_SECONDS, SupabaseStorage, SupabaseStorageError
from pod_pipeline.tools.storage_standin import mint_jwt
from pod_pipeline_tests.storage.conftest import USER_A, USER_B, sql, user_bucket

PNG = "image/png"


def upload_as(standin, http_client, user, name, data=b"png-bytes", upsert=False):
    options = {"content-type": PNG}
    if upsert:
        options["upsert"] = "true"
    user_bucket(standin, user, http_client).upload(f"{user}/{name}", data, options)
    return f"{user}/{name}"


def drain(storage, cursor=None, limit=2):
    pages = []
    while True:
        uploads, cursor = storage.scan(cursor, limit)
        if not uploads:
            return pages, cursor
        pages.append(uploads)


# --- finding uploads ----------------------------------------------------------------------------

def test_scan_pages_uploads_with_a_keyset_cursor(storage, standin, storage_db, http_client):
    paths = [upload_as(standin, http_client, user, f"art-{i}.png") for i in range(4) for user in (USER_A, USER_B)]
    # The dashboard's placeholder for an empty folder is not an upload.
    user_bucket(standin, USER_A, http_client).upload(f"{USER_A}/drafts/.emptyFolderPlaceholder", b"")

    first, cursor = storage.scan(None, 3)
    second, cursor = storage.scan(cursor, 3)
    third, cursor = storage.scan(cursor, 3)
    rest, same = storage.scan(cursor, 3)
    assert [len(first), len(second), len(third)] == [3, 3, 2] and rest == [] and same == cursor
    found = first + second + third
    assert [u.path for u in found] == paths  # oldest first, each exactly once
    assert all(u.owner == u.path.split("/")[0] for u in found)
    assert found[0].artwork_id == artwork_id_for(paths[0]) and found[0].size == len(b"png-bytes")
    # The uploader's JWT sub is recorded as owner_id, as Storage does.
    assert sql(storage_db, "select distinct owner_id from storage.objects where name like %s", (f"{USER_A}/art-%",)) \
        == [(USER_A,)]


def test_derived_files_never_fill_a_page_or_stall_the_cursor(storage, standin, http_client):
    first = upload_as(standin, http_client, USER_A, "first.png")
    for i in range(7):  # more pipeline files than a page holds, between two uploads
        storage.put_derived(f"art-{i}", "preview.jpg", b"jpeg", "image/jpeg", owner=USER_A)
    storage._bucket_api().upload("_pipeline/art-old/preview.jpg", b"jpeg", {"content-type": "image/jpeg"})
    last = upload_as(standin, http_client, USER_A, "last.png")

    pages, cursor = drain(storage, limit=2)
    assert [[u.path for u in page] for page in pages] == [[first, last]]
    pages, _ = drain(storage, limit=1)
    assert [[u.path for u in page] for page in pages] == [[first], [last]]
    # Derived files written after the last upload are not found later either.
    storage.put_derived("art-9", "print.png", b"png", PNG, owner=USER_B)
    assert storage.scan(cursor, 5) == ([], cursor)


def test_a_reupload_is_a_new_version_of_the_same_artwork(storage, standin, storage_db, http_client):
    path = upload_as(standin, http_client, USER_A, "sunset.png", b"first version")
    [first], cursor = storage.scan(None, 10)
    (object_id, created_at, updated_at), = sql(storage_db, "select id, created_at, updated_at from storage.objects "
                                                            "where name = %s", (path,))
    with pytest.raises(StorageApiError) as duplicate:
        upload_as(standin, http_client, USER_A, "sunset.png", b"no upsert")
    assert str(duplicate.value.status) == "409" and duplicate.value.code == "Duplicate"

    upload_as(standin, http_client, USER_A, "sunset.png", b"second, longer version", upsert=True)
    [again], cursor = storage.scan(cursor, 10)
    assert again.path == path and again.artwork_id == first.artwork_id
    assert again.version != first.version and again.run_key != first.run_key
    assert again.size == len(b"second, longer version") and again.updated_at > first.updated_at
    (same_id, same_created, bumped), = sql(storage_db, "select id, created_at, updated_at from storage.objects "
                                                        "where name = %s", (path,))
    assert (same_id, same_created) == (object_id, created_at) and bumped > updated_at

    # The same bytes written again are still a new version (the file was written again).
    upload_as(standin, http_client, USER_A, "sunset.png", b"second, longer version", upsert=True)
    [third], _ = storage.scan(cursor, 10)
    assert third.version not in (first.version, again.version)
    assert storage.stat(path).version == third.version


def test_young_rows_wait_for_the_settle_window(standin, storage_db, http_client):
    path = upload_as(standin, http_client, USER_A, "fresh.png")
    with SupabaseStorage(standin.url, standin.service_role_key, database_url=storage_db,
                         http_client=http_client, settle_seconds=60) as patient:
        assert patient.scan(None, 10) == ([], None)
    with SupabaseStorage(standin.url, standin.service_role_key, database_url=storage_db,
                         http_client=http_client, settle_seconds=0) as eager:
        assert [u.path for u in eager.scan(None, 10)[0]] == [path]


def test_a_cursor_from_another_storage_is_refused_with_a_way_out(storage):
    with pytest.raises(SupabaseStorageError, match="Reset the upload_sensor cursor"):
        storage.scan("1732000000000000000|user-1/art.png", 10)


# --- files ----------------------------------------------------------------------------------------

def test_stat_and_download(storage, standin, tmp_path, http_client):
    data = bytes(range(256)) * 1000
    path = upload_as(standin, http_client, USER_B, "big art.png", data)
    upload = storage.stat(path)
    assert upload.size == len(data) and upload.owner == USER_B
    assert storage.download(path, tmp_path / "copy").read_bytes() == data
    assert storage.stat(f"{USER_B}/missing.png") is None

    user_bucket(standin, USER_B, http_client).remove([path])  # deletes go through the API
    assert storage.stat(path) is None
    with pytest.raises(SupabaseStorageError) as missing:
        storage.download(path, tmp_path / "gone")
    assert missing.value.status == "404" and path in str(missing.value)


def test_put_derived_stores_with_its_content_type_and_overwrites(storage, storage_db):
    path = storage.put_derived("sunset-1a2b3c4d", "preview.jpg", b"jpeg one", "image/jpeg", owner=USER_A)
    assert path == f"{USER_A}/{DERIVED_PREFIX}sunset-1a2b3c4d/preview.jpg"
    assert storage.put_derived("sunset-1a2b3c4d", "preview.jpg", b"jpeg two", "image/jpeg", owner=USER_A) == path
    rows = sql(storage_db, "select metadata->>'mimetype', (metadata->>'size')::int, owner_id, "
                           "metadata->>'cacheControl' from storage.objects "
                           "where bucket_id = 'artwork' and name = %s", (path,))
    # service-role uploads have no owner; derived names change with their content: cached for a year
    assert rows == [("image/jpeg", len(b"jpeg two"), None, f"max-age={365 * 24 * 3600}")]
    storage.put_derived("sunset-1a2b3c4d", "print.png", b"png", PNG, owner=USER_A)
    assert sql(storage_db, "select metadata->>'mimetype' from storage.objects where name like %s",
               (f"%/{DERIVED_PREFIX}%print.png",)) == [(PNG,)]
    with pytest.raises(ValueError, match="owner folder"):
        storage.put_derived("sunset-1a2b3c4d", "print.png", b"png", PNG, owner="")
    assert storage.stat(path).size == len(b"jpeg two")


def test_many_print_files_fetched_at_once_all_answer(storage, standin, http_client):
    """Gelato fetches a product's print files side by side (a file per print area, many variants):
    past the stand-in's connection pool the requests wait, they never get a 500."""
    import asyncio

    path = upload_as(standin, http_client, USER_A, "burst.png", b"\x89PNG burst bytes")
    url = storage.print_file_url(path)

    async def fetch_all() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as client:
            responses = await asyncio.gather(*(client.get(url) for _ in range(40)))
        return [r.status_code for r in responses]

    assert asyncio.run(fetch_all()) == [200] * 40


def test_print_file_urls_are_fetchable_without_headers_for_hours(storage, standin, http_client):
    path = upload_as(standin, http_client, USER_A, "print me.png", b"\x89PNG print bytes")
    url = storage.print_file_url(path)
    assert url.startswith(f"{standin.url}/storage/v1/object/sign/artwork/")
    response = httpx.get(url)  # no apikey, no Authorization: how Gelato fetches it
    assert response.status_code == 200 and response.content == b"\x89PNG print bytes"
    assert response.headers["content-type"] == PNG
    claims = jwt.decode(httpx.URL(url).params["token"], options={"verify_signature": False})
    assert DEFAULT_SIGNED_URL_SECONDS == 6 * 3600
    assert claims["exp"] - claims["iat"] == DEFAULT_SIGNED_URL_SECONDS


def test_expired_forged_or_borrowed_tokens_are_refused(storage, standin, http_client):
    path = upload_as(standin, http_client, USER_A, "art.png")
    other = upload_as(standin, http_client, USER_A, "other.png")
    with SupabaseStorage(standin.url, standin.service_role_key, http_client=http_client,
                         signed_url_seconds=1) as brief:
        expiring = brief.print_file_url(path)
    good = httpx.URL(storage.print_file_url(path))
    forged_token = jwt.encode({"url": f"artwork/{path}", "exp": int(time.time()) + 60},
                              "not-the-project-secret-but-long-enough-for-hs256", algorithm="HS256")
    forged = good.copy_set_param("token", forged_token)
    borrowed = good.copy_with(path=good.path.replace("art.png", "other.png"))  # a token for art.png
    time.sleep(2.1)
    urls = {"expired": expiring, "forged": forged, "borrowed": borrowed, "bare": good.copy_remove_param("token")}
    answers = {name: httpx.get(url) for name, url in urls.items()}
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 400)
    assert answers["expired"].json() == {"statusCode": "400", "code": "InvalidJWT", "error": "InvalidJWT",
                                         "message": "jwt expired"}
    assert answers["forged"].json()["error"] == "InvalidJWT"
    assert answers["borrowed"].json()["error"] == "InvalidSignature"
    assert httpx.get(storage.print_file_url(other)).status_code == 200


# --- errors and secrets -------------------------------------------------------------------------

def test_errors_name_the_object_and_status_but_never_the_key(standin, storage_db, tmp_path, http_client):
    impostor_key = mint_jwt("some-other-projects-secret-" + "x" * 20, "service_role")
    with SupabaseStorage(standin.url, impostor_key, http_client=http_client) as wrong:
        with pytest.raises(SupabaseStorageError) as refused:
            wrong.download(f"{USER_A}/art.png", tmp_path / "x")
        assert refused.value.status == "401" and f"artwork/{USER_A}/art.png" in str(refused.value)
        assert impostor_key not in str(refused.value) and impostor_key not in repr(wrong)

    password_url = storage_db.replace("postgres@", "postgres:hunter2-secret@").replace(":5432/", ":1/")
    with SupabaseStorage(standin.url, standin.service_role_key, database_url=password_url,
                         http_client=http_client) as unreachable:
        with pytest.raises(SupabaseStorageError) as no_db:
            unreachable.scan(None, 10)
        assert "hunter2-secret" not in str(no_db.value) and "127.0.0.1:1" in str(no_db.value)
        assert standin.service_role_key not in str(no_db.value) + repr(unreachable)

    # Even a server that echoes the key back does not get it into our message.
    key = standin.service_role_key
    echo = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(
        400, json={"statusCode": "403", "error": "Unauthorized", "message": f"bad key {request.headers['apikey']}"})))
    with SupabaseStorage(standin.url, key, http_client=echo) as echoed:
        with pytest.raises(SupabaseStorageError) as leaked:
            echoed.print_file_url(f"{USER_A}/art.png")
    assert key not in str(leaked.value) and key.rsplit(".", 1)[1] not in str(leaked.value)
    assert "bad key [Filtered]" in str(leaked.value) and leaked.value.__cause__ is None


def test_the_standin_refuses_callers_like_storage_does(standin, http_client):
    base = f"{standin.url}/storage/v1"
    upload_as(standin, http_client, USER_A, "mine.png")
    no_key = http_client.post(f"{base}/object/list/artwork", json={"prefix": ""})
    assert no_key.status_code == 401
    bad_jwt = http_client.post(f"{base}/object/list/artwork", json={"prefix": ""},
                               headers={"apikey": standin.anon_key, "Authorization": "Bearer not-a-jwt"})
    assert bad_jwt.status_code == 400 and bad_jwt.json()["statusCode"] == "403"
    # Another user sees neither the folder nor the file, and cannot write into it.
    other = user_bucket(standin, USER_B, http_client)
    assert other.list() == [] and other.list(USER_A) == []
    with pytest.raises(StorageApiError) as hidden:
        other.download(f"{USER_A}/mine.png")
    assert str(hidden.value.status) == "404"
    with pytest.raises(StorageApiError) as denied:
        other.upload(f"{USER_A}/theirs.png", b"x", {"content-type": PNG})
    assert str(denied.value.status) == "403"
    # A private bucket's public URL answers 400.
    assert http_client.get(f"{base}/object/public/artwork/{USER_A}/mine.png").status_code == 400


# --- the list-API fallback ------------------------------------------------------------------------

def test_the_list_api_fallback_finds_the_same_uploads(storage, list_storage, standin, http_client):
    paths = [upload_as(standin, http_client, user, f"art-{i}.png") for user in (USER_A, USER_B) for i in range(3)]
    paths.append(upload_as(standin, http_client, USER_A, "series/part-1.png"))  # a sub-folder
    user_bucket(standin, USER_B, http_client).upload(f"{USER_B}/empty/.emptyFolderPlaceholder", b"")
    storage.put_derived("art-0", "preview.jpg", b"jpeg", "image/jpeg", owner=USER_A)
    storage._bucket_api().upload("_pipeline/art-old/preview.jpg", b"jpeg", {"content-type": "image/jpeg"})

    by_sql = [u for page in drain(storage, limit=3)[0] for u in page]
    by_list_pages, cursor = drain(list_storage, limit=3)
    by_list = [u for page in by_list_pages for u in page]
    assert [u.path for u in by_sql] == paths
    # The list API prints times in milliseconds, so ties within one millisecond may order differently.
    assert sorted(u.path for u in by_list) == sorted(paths)
    assert {u.path: u.owner for u in by_list} == {u.path: u.owner for u in by_sql}
    assert [len(page) for page in by_list_pages] == [3, 3, 1]
    # Its cost: every tick walks the tree, one request per folder per page (page size 2 here).
    assert list_storage.last_scan_requests >= 1 + 2 + 2 + 1  # root, A (2 pages), B (2 pages), series

    later = upload_as(standin, http_client, USER_B, "art-0.png", b"new bytes", upsert=True)
    [again], _ = list_storage.scan(cursor, 10)
    assert again.path == later and again.size == len(b"new bytes")
    assert list_storage.stat(later).version == again.version
    assert list_storage.stat(f"{USER_B}/nope.png") is None


def test_the_standin_updates_in_place_and_keeps_user_metadata(standin, storage_db, http_client):
    mine = user_bucket(standin, USER_A, http_client)
    mine.upload(f"{USER_A}/tagged.png", b"v1", {"content-type": PNG, "metadata": {"title": "Dunes"}})
    mine.update(f"{USER_A}/tagged.png", b"v2", {"content-type": PNG})  # PUT: replace an existing object
    assert mine.download(f"{USER_A}/tagged.png") == b"v2"
    with pytest.raises(StorageApiError) as missing:
        mine.update(f"{USER_A}/never.png", b"x", {"content-type": PNG})
    assert str(missing.value.status) == "404"
    rows = sql(storage_db, "select user_metadata, metadata->>'size' from storage.objects where name = %s",
               (f"{USER_A}/tagged.png",))
    assert rows == [(None, "2")]  # the update sent no metadata
    mine.upload(f"{USER_A}/titled.png", b"v1", {"content-type": PNG, "metadata": {"title": "Dunes"}})
    assert sql(storage_db, "select user_metadata from storage.objects where name = %s",
               (f"{USER_A}/titled.png",)) == [({"title": "Dunes"},)]
