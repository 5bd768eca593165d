"""The stand-in's object store: `storage.buckets` / `storage.objects` rows in a real Postgres,
bytes in a folder, and the storage server's error shapes. Every query on objects runs as the
request's role with its JWT claims (`act_as`), so the database's RLS policies decide access."""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.errors
from psycopg2.extras import Json
from psycopg2.pool import ThreadedConnectionPool
from starlette.responses import JSONResponse

class StorageError(Exception):
    """An error as the storage server renders it."""

    def __init__(self, status: int, error: str, message: str, code: str | None = None):
        super().__init__(message)
        self.status, self.error, self.message, self.code = status, error, message, code or error

    def response(self) -> JSONResponse:
        http_status = 500 if self.status >= 500 else (401 if self.status == 401 else 400)
        return JSONResponse({"statusCode": str(self.status), "code": self.code, "error": self.error,
                             "message": self.message}, status_code=http_status)


def not_found() -> StorageError:
    return StorageError(404, "not_found", "Object not found", "NoSuchKey")


def bad_request(message: str) -> StorageError:
    """A request the route's schema refuses (what Fastify's validation answers)."""
    return StorageError(400, "Bad Request", message, "InvalidRequest")


def no_such_bucket() -> StorageError:
    return StorageError(404, "Bucket not found", "Bucket not found", "NoSuchBucket")


def js_time(value: datetime | None) -> str | None:
    """A timestamp the way the storage server (Node) prints it: UTC, milliseconds, `Z`."""
    if value is None:
        return None
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# The database roles a project JWT may name (the storage server switches to the JWT's role).
DATABASE_ROLES = ("anon", "authenticated", "service_role")


@dataclass(frozen=True)
class Caller:
    """Who a request acts as: the JWT's role and its verified claims. Queries on objects run as
    this role with `request.jwt.claims` set, so the database's RLS policies decide."""
    role: str
    sub: str | None
    claims_json: str = "{}"


def act_as(cur, caller: Caller | None) -> None:
    """Switch the transaction to the caller's role and claims (what the storage server does
    before every query on storage.objects); None stays the server's own (superuser) role, for
    signed-URL and public downloads, whose token or bucket setting was checked already."""
    if caller is not None:
        cur.execute("select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
                    (caller.role, caller.claims_json))


def refused_by_policy(error: psycopg2.Error) -> StorageError:
    return StorageError(403, "Unauthorized", str(error).strip().splitlines()[0], "AccessDenied")


class ObjectStore:
    """storage.buckets / storage.objects rows in Postgres, bytes in `files_dir/<bucket>/<version>`."""

    def __init__(self, database_url: str, files_dir: Path, pool_size: int = 8):
        self.database_url = database_url
        self.files_dir = Path(files_dir)
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self._pool_size = pool_size
        self._pool: ThreadedConnectionPool | None = None
        self._lock = threading.Lock()
        # psycopg2's pool raises "exhausted" past its size; a storage server queues the request
        # instead (Gelato fetching a product's many print files at once must not get 500s).
        self._slots = threading.BoundedSemaphore(pool_size)

    def _connection(self):
        with self._lock:
            if self._pool is None:
                self._pool = ThreadedConnectionPool(1, self._pool_size, self.database_url,
                                                    application_name="storage stand-in")
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.closeall()
                self._pool = None

    def _run(self, work):
        pool = self._connection()
        with self._slots:
            conn = pool.getconn()
            try:
                with conn:
                    with conn.cursor() as cur:
                        return work(cur)
            finally:
                pool.putconn(conn)

    def file_path(self, bucket: str, version: str) -> Path:
        return self.files_dir / bucket / version

    @staticmethod
    def _require_bucket(cur, bucket: str) -> dict[str, Any]:
        cur.execute("select id, public, allowed_mime_types, file_size_limit from storage.buckets where id = %s",
                    (bucket,))
        row = cur.fetchone()
        if row is None:
            raise no_such_bucket()
        return {"id": row[0], "public": bool(row[1]), "allowed_mime_types": row[2] or [],
                "file_size_limit": row[3]}

    def bucket(self, bucket: str) -> dict[str, Any]:
        return self._run(lambda cur: self._require_bucket(cur, bucket))

    def find(self, bucket: str, name: str, caller: Caller | None = None) -> dict[str, Any] | None:
        def work(cur):
            self._require_bucket(cur, bucket)
            act_as(cur, caller)
            cur.execute("select id::text, version, metadata, updated_at from storage.objects "
                        "where bucket_id = %s and name = %s", (bucket, name))
            row = cur.fetchone()
            return None if row is None else {"id": row[0], "version": row[1], "metadata": row[2] or {},
                                             "updated_at": row[3]}
        return self._run(work)

    def put(self, bucket: str, name: str, data: bytes, mimetype: str, cache_control: str,
            user_metadata: Any, caller: Caller, upsert: bool, must_exist: bool) -> str:
        version = str(uuid.uuid4())
        target = self.file_path(bucket, version)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{version}.partial")
        partial.write_bytes(data)
        partial.replace(target)
        now = datetime.now(timezone.utc)
        metadata = {"eTag": f'"{hashlib.md5(data).hexdigest()}"', "size": len(data), "mimetype": mimetype,
                    "cacheControl": cache_control, "lastModified": format_datetime(now, usegmt=True),
                    "contentLength": len(data), "httpStatusCode": 200}
        owner = caller.sub
        owner_uuid = owner if owner and _is_uuid(owner) else None
        user_json = Json(user_metadata) if user_metadata is not None else None

        def work(cur):
            self._require_bucket(cur, bucket)
            act_as(cur, caller)
            cur.execute("select id::text, version from storage.objects where bucket_id = %s and name = %s "
                        "for update", (bucket, name))
            existing = cur.fetchone()
            if existing is not None and not (upsert or must_exist):
                raise StorageError(409, "Duplicate", "The resource already exists", "ResourceAlreadyExists")
            if existing is None and must_exist:
                raise not_found()
            if existing is not None:
                cur.execute(
                    "update storage.objects set metadata = %s, user_metadata = %s, version = %s, owner = %s, "
                    "owner_id = %s, updated_at = now(), last_accessed_at = now() where id = %s",
                    (Json(metadata), user_json, version, owner_uuid, owner, existing[0]))
                return existing[0], existing[1]
            try:
                cur.execute(
                    "insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version) "
                    "values (%s, %s, %s, %s, %s, %s, %s) returning id::text",
                    (bucket, name, owner_uuid, owner, Json(metadata), user_json, version))
            except psycopg2.errors.UniqueViolation:  # a concurrent first upload, or a name RLS hides
                raise StorageError(409, "Duplicate", "The resource already exists", "ResourceAlreadyExists") from None
            return cur.fetchone()[0], None

        def checked(cur):
            try:
                return work(cur)
            except psycopg2.errors.InsufficientPrivilege as error:  # a policy's WITH CHECK refused the row
                raise refused_by_policy(error) from None

        try:
            object_id, old_version = self._run(checked)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        if old_version:
            self.file_path(bucket, old_version).unlink(missing_ok=True)
        return object_id

    def remove(self, bucket: str, names: list[str], caller: Caller) -> list[dict[str, Any]]:
        def work(cur):
            self._require_bucket(cur, bucket)
            act_as(cur, caller)
            cur.execute("delete from storage.objects where bucket_id = %s and name = any(%s) "
                        "returning id::text, name, version, bucket_id, owner_id, updated_at, created_at, "
                        "last_accessed_at, metadata", (bucket, names))
            return cur.fetchall()
        rows = self._run(work)
        for row in rows:
            if row[2]:
                self.file_path(bucket, row[2]).unlink(missing_ok=True)
        return [{"id": r[0], "name": r[1], "bucket_id": r[3], "owner_id": r[4], "updated_at": js_time(r[5]),
                 "created_at": js_time(r[6]), "last_accessed_at": js_time(r[7]), "metadata": r[8]} for r in rows]

    def search(self, bucket: str, prefix: str, search: str, limit: int, offset: int, column: str, order: str,
               caller: Caller) -> list[dict[str, Any]]:
        """One folder level, as storage.search() answers the list route."""
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        level = len(prefix.split("/"))
        column = column if column in ("name", "updated_at", "created_at", "last_accessed_at") else "name"
        order = "desc" if order == "desc" else "asc"
        sort = f'name collate "C" {order}' if column == "name" else f'{column} {order}, name collate "C" {order}'

        def work(cur):
            self._require_bucket(cur, bucket)
            act_as(cur, caller)
            cur.execute(
                "with objs as (select name, id, updated_at, created_at, last_accessed_at, metadata, "
                "string_to_array(name, '/') as tokens from storage.objects "
                "where bucket_id = %(bucket)s and lower(name) like lower(%(pattern)s) escape '\\') "
                "select name, id, updated_at, created_at, last_accessed_at, metadata from ("
                " select 0 as grp, f.name, null::text as id, null::timestamptz as updated_at,"
                "  null::timestamptz as created_at, null::timestamptz as last_accessed_at, null::jsonb as metadata"
                "  from (select distinct tokens[%(level)s] as name from objs"
                "        where array_length(tokens, 1) > %(level)s) f"
                " union all"
                " select 1, tokens[%(level)s], id::text, updated_at, created_at, last_accessed_at, metadata"
                "  from objs where array_length(tokens, 1) = %(level)s"
                ") e order by grp, (case when grp = 0 then name end) collate \"C\" " + order + ", " + sort +
                " limit %(limit)s offset %(offset)s",
                {"bucket": bucket, "pattern": escape_like(prefix + search) + "%", "level": level,
                 "limit": limit, "offset": offset})
            return cur.fetchall()

        return [{"name": r[0], "id": r[1], "updated_at": js_time(r[2]), "created_at": js_time(r[3]),
                 "last_accessed_at": js_time(r[4]), "metadata": r[5]} for r in self._run(work)]


def check_bucket_limits(info: dict[str, Any], mimetype: str, size: int) -> None:
    """The storage server's upload checks against the bucket's settings: `allowed_mime_types`
    matched as `type/subtype` or `type/*` on the type exactly as sent (parameters included, so
    `text/plain;charset=UTF-8` is not `text/plain`), then `file_size_limit` in bytes."""
    def kind_and_subtype(mime: str) -> tuple[str, str | None]:
        parts = mime.split("/")
        return parts[0], parts[1] if len(parts) > 1 else None

    allowed = info["allowed_mime_types"]
    kind, subtype = kind_and_subtype(mimetype)
    if allowed and (subtype is None or not any(
            a_kind == kind and a_subtype in ("*", subtype) for a_kind, a_subtype in map(kind_and_subtype, allowed))):
        raise StorageError(415, "invalid_mime_type", f"mime type {mimetype} is not supported", "InvalidMimeType")
    limit = info["file_size_limit"]
    if limit is not None and size > int(limit):
        raise StorageError(413, "Payload too large", "The object exceeded the maximum allowed size", "EntityTooLarge")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
        return True
    except ValueError:
        return False
