"""A stand-in for the Supabase Storage HTTP API (`/storage/v1`), for tests: the real storage
server cannot be installed here. It answers the routes supabase-py's Storage client
(storage3 2.34.1) calls for list / upload / update / download / remove / signed URLs, the way the
storage server does (routes, bodies, error shapes), and keeps its objects where Supabase keeps
them: rows in a real Postgres `storage.objects` (see `schema.py`), bytes in a folder.

Faithful on purpose:
- Errors are the storage server's JSON, `{"statusCode": "404", "error": "not_found", "message":
  "Object not found"}`, sent with HTTP **400** for every 4xx (the real status is the body's
  `statusCode`, which is what storage3 reports) and 500 for server errors. The only non-400
  refusal is the API gateway's **401** when the `apikey` header is missing or not a project key.
- `Authorization: Bearer <JWT>` is verified with the project's JWT secret (bad or missing:
  `statusCode` 403, `Unauthorized`). Every query on `storage.objects` runs, as on the storage
  server, as the JWT's role (`anon`, `authenticated`, `service_role`) with `request.jwt.claims`
  set to its claims, so the database's RLS policies (the project's migrations) decide what a
  caller sees and writes: without policies a user sees nothing. Objects a caller may not see are
  "Object not found"; a row a policy's WITH CHECK refuses is 403 "new row violates row-level
  security policy". A user's uploads get `owner_id = sub`. Bucket lookups, signed-URL and public
  downloads run as the server's own role (the token or the bucket's `public` flag was checked).
- Upload: multipart (what supabase-py sends) or a raw body; `x-upsert: true` overwrites (keeps
  `id` and `created_at`, bumps `updated_at`, new `version`), otherwise an existing name is
  `409 Duplicate`. `metadata` holds `eTag` (quoted MD5), `size`, `mimetype` (the file part's
  content type), `cacheControl`, `lastModified`, `contentLength`, `httpStatusCode`.
- Signed URLs: `POST /object/sign/{bucket}/{path}` checks the object exists and answers
  `{"signedURL": "/object/sign/{bucket}/{path}?token=<JWT {url, iat, exp}>"}`; the GET needs no
  headers; a bad, expired or other-object token is 400 (`InvalidJWT` / `InvalidSignature`).
- List (`POST /object/list/{bucket}`): one folder level under `prefix` (a `/` is added), folders
  first as rows with `id: null`, then files ordered by `sortBy`, `limit`/`offset` over the whole,
  `search` as a case-insensitive name prefix; timestamps as JavaScript would print them
  (milliseconds, `Z`).

- Uploads are held to the bucket's `allowed_mime_types` (415 `invalid_mime_type`) and
  `file_size_limit` (413 `Payload too large`); without them any type is stored as sent, and the
  type served is the type stored (the client's, `text/plain;charset=UTF-8` when it sent none).

Not modelled: image transformations, resumable (TUS) and S3 uploads, bucket management routes,
the server-wide upload size limit, `list-v2`.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import jwt
import psycopg2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route

from pod_pipeline.tools.storage_standin.objects import (
    DATABASE_ROLES,
    Caller,
    ObjectStore,
    StorageError,
    bad_request,
    check_bucket_limits,
    no_such_bucket,
    not_found,
)

STORAGE_PREFIX = "/storage/v1"
DEFAULT_MIMETYPE = "text/plain;charset=UTF-8"
BEARER = re.compile(r"^Bearer\s+", re.IGNORECASE)


@dataclass(frozen=True)
class FilePart:
    data: bytes
    content_type: str | None


def parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], FilePart | None]:
    """multipart/form-data → (text fields, the first file part). Small and strict on purpose
    (python-multipart is not a dependency of the project)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise StorageError(400, "InvalidRequest", "multipart body without a boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, str] = {}
    file: FilePart | None = None
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        chunk = chunk[:-2] if chunk.endswith(b"\r\n") else chunk
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        if "filename=" in disposition:
            if file is None:
                file = FilePart(data, headers.get("content-type"))
        elif name:
            fields[name.group(1)] = data.decode("utf-8", "replace")
    return fields, file


def cache_control_of(value: str | None) -> str:
    value = (value or "3600").strip()
    return f"max-age={value}" if value.isdigit() else value


def _check_key(name: str) -> None:
    parts = name.split("/")
    if not name or any(part in ("", ".", "..") for part in parts):
        raise StorageError(400, "InvalidKey", f"Invalid key: {name}", "InvalidKey")


def create_storage_app(database_url: str, files_dir: Path, jwt_secret: str, api_keys: Iterable[str]) -> Starlette:
    """The stand-in as an ASGI app, mounted at `/storage/v1` (so its base URL is a SUPABASE_URL).
    `api_keys`: the project keys the gateway accepts in `apikey` (anon, service role);
    `jwt_secret`: the project's JWT secret (verifies bearer tokens, signs URL tokens)."""
    store = ObjectStore(database_url, files_dir)
    accepted_keys = frozenset(api_keys)

    def authenticate(request: Request) -> Caller:
        apikey = request.headers.get("apikey")
        if not apikey:
            raise StorageError(401, "Unauthorized", "No API key found in request")
        if apikey not in accepted_keys:
            raise StorageError(401, "Unauthorized", "Invalid API key")
        token = BEARER.sub("", request.headers.get("authorization", ""))
        try:
            payload = jwt.decode(token, jwt_secret, algorithms=["HS256"], options={"verify_aud": False})
        except jwt.PyJWTError as error:
            raise StorageError(403, "Unauthorized", str(error) or "Invalid JWT", "AccessDenied") from None
        role = str(payload.get("role") or "anon")
        if role not in DATABASE_ROLES:
            raise StorageError(403, "Unauthorized", f'role "{role}" does not exist', "AccessDenied")
        sub = payload.get("sub")
        return Caller(role=role, sub=str(sub) if sub is not None else None, claims_json=json.dumps(payload))

    def endpoint(handler):
        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except StorageError as error:
                return error.response()
            except psycopg2.Error as error:
                return StorageError(500, "DatabaseError", str(error).strip(), "DatabaseError").response()
        return wrapped

    def object_params(request: Request) -> tuple[str, str]:
        bucket, name = request.path_params["bucket"], request.path_params["path"]
        _check_key(name)
        return bucket, name

    async def visible_object(caller: Caller, bucket: str, name: str) -> dict[str, Any]:
        found = await run_in_threadpool(store.find, bucket, name, caller)
        if found is None:
            raise not_found()
        return found

    def serve(bucket: str, found: dict[str, Any], download: str | None = None) -> Response:
        path = store.file_path(bucket, found["version"] or "")
        if not path.is_file():
            raise not_found()
        metadata = found["metadata"]
        headers = {"cache-control": metadata.get("cacheControl", "max-age=3600"),
                   "etag": metadata.get("eTag", ""), "last-modified": metadata.get("lastModified", "")}
        if download is not None:
            headers["content-disposition"] = f'attachment; filename="{download or path.name}"'
        return FileResponse(path, media_type=metadata.get("mimetype") or "application/octet-stream",
                            headers={k: v for k, v in headers.items() if v})

    @endpoint
    async def list_objects(request: Request) -> Response:
        caller = authenticate(request)
        try:
            body = json.loads(await request.body() or b"{}")
            prefix = body["prefix"]
            limit, offset = int(body.get("limit", 100)), int(body.get("offset", 0))
        except (ValueError, KeyError, TypeError):
            raise bad_request("body must have required property 'prefix'") from None
        if limit < 1 or offset < 0:
            raise bad_request("body/limit must be >= 1 and body/offset >= 0")
        sort_by = body.get("sortBy") or {}
        rows = await run_in_threadpool(
            store.search, request.path_params["bucket"], prefix or "", body.get("search") or "", limit, offset,
            sort_by.get("column", "name"), sort_by.get("order", "asc"), caller)
        return JSONResponse(rows)

    @endpoint
    async def upload(request: Request) -> Response:
        caller = authenticate(request)
        bucket, name = object_params(request)
        must_exist = request.method == "PUT"
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        if content_type.lower().startswith("multipart/form-data"):
            fields, part = parse_multipart(body, content_type)
            if part is None:
                raise StorageError(400, "InvalidRequest", "No content provided", "InvalidRequest")
            data, mimetype = part.data, part.content_type or DEFAULT_MIMETYPE
            cache_control = cache_control_of(fields.get("cacheControl"))
            try:
                user_metadata = json.loads(fields["metadata"]) if "metadata" in fields else None
            except ValueError:
                raise StorageError(400, "InvalidRequest", "metadata is not JSON", "InvalidRequest") from None
        else:
            data, mimetype = body, content_type or DEFAULT_MIMETYPE
            cache_control = cache_control_of(request.headers.get("cache-control"))
            user_metadata = None
        check_bucket_limits(await run_in_threadpool(store.bucket, bucket), mimetype, len(data))
        upsert = not must_exist and request.headers.get("x-upsert", "false").lower() == "true"
        object_id = await run_in_threadpool(store.put, bucket, name, data, mimetype, cache_control, user_metadata,
                                            caller, upsert, must_exist)
        return JSONResponse({"Id": object_id, "Key": f"{bucket}/{name}"})

    @endpoint
    async def download(request: Request) -> Response:
        caller = authenticate(request)
        bucket, name = object_params(request)
        found = await visible_object(caller, bucket, name)
        return serve(bucket, found, request.query_params.get("download"))

    @endpoint
    async def remove(request: Request) -> Response:
        caller = authenticate(request)
        try:
            prefixes = list(json.loads(await request.body() or b"{}")["prefixes"])
        except (ValueError, KeyError, TypeError):
            raise bad_request("body must have required property 'prefixes'") from None
        names = [name for name in prefixes if isinstance(name, str)]
        return JSONResponse(await run_in_threadpool(store.remove, request.path_params["bucket"], names, caller))

    @endpoint
    async def sign(request: Request) -> Response:
        caller = authenticate(request)
        bucket, name = object_params(request)
        try:
            expires_in = int((json.loads(await request.body() or b"{}"))["expiresIn"])
        except (ValueError, KeyError, TypeError):
            raise bad_request("body must have required property 'expiresIn'") from None
        if expires_in < 1:
            raise bad_request("body/expiresIn must be >= 1")
        await visible_object(caller, bucket, name)
        now = int(time.time())
        token = jwt.encode({"url": f"{bucket}/{name}", "iat": now, "exp": now + expires_in}, jwt_secret,
                           algorithm="HS256")
        return JSONResponse({"signedURL": f"/object/sign/{bucket}/{name}?token={token}"})

    @endpoint
    async def signed_download(request: Request) -> Response:
        bucket, name = request.path_params["bucket"], request.path_params["path"]
        token = request.query_params.get("token")
        if not token:
            raise bad_request("querystring must have required property 'token'")
        try:
            payload = jwt.decode(token, jwt_secret, algorithms=["HS256"], options={"verify_aud": False})
        except jwt.ExpiredSignatureError:
            raise StorageError(400, "InvalidJWT", "jwt expired", "InvalidJWT") from None
        except jwt.PyJWTError as error:
            raise StorageError(400, "InvalidJWT", str(error) or "invalid signature", "InvalidJWT") from None
        if payload.get("url") != f"{bucket}/{name}":
            raise StorageError(400, "InvalidSignature", "The url do not match the signature", "InvalidSignature")
        found = await run_in_threadpool(store.find, bucket, name)
        if found is None:
            raise not_found()
        return serve(bucket, found, request.query_params.get("download"))

    @endpoint
    async def public_download(request: Request) -> Response:
        bucket, name = request.path_params["bucket"], request.path_params["path"]
        info = await run_in_threadpool(store.bucket, bucket)
        if not info["public"]:
            raise no_such_bucket()  # what a private bucket's public URL answers
        found = await run_in_threadpool(store.find, bucket, name)
        if found is None:
            raise not_found()
        return serve(bucket, found, request.query_params.get("download"))

    routes = [
        Route("/object/list/{bucket}", list_objects, methods=["POST"]),
        Route("/object/sign/{bucket}/{path:path}", sign, methods=["POST"]),
        Route("/object/sign/{bucket}/{path:path}", signed_download, methods=["GET"]),
        Route("/object/public/{bucket}/{path:path}", public_download, methods=["GET"]),
        Route("/object/authenticated/{bucket}/{path:path}", download, methods=["GET"]),
        Route("/object/{bucket}/{path:path}", download, methods=["GET"]),
        Route("/object/{bucket}/{path:path}", upload, methods=["POST", "PUT"]),
        Route("/object/{bucket}", remove, methods=["DELETE"]),
    ]

    app = Starlette(routes=[Mount(STORAGE_PREFIX, routes=routes)], lifespan=_lifespan(store))
    app.state.store = store
    return app


def _lifespan(store: ObjectStore):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            yield
        finally:
            store.close()

    return lifespan
