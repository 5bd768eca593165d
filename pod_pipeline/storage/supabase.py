"""Supabase Storage as the artwork bucket (production).

- **New uploads**: a keyset cursor over `storage.objects (updated_at, id)` on a direct Postgres
  connection (`database_url`, SUPABASE_DB_URL): one query per sensor tick for the whole bucket
  (`pod_pipeline.storage.objects_cursor`). Without a database URL it falls back to the Storage
  list API, which lists one folder level per request, pages by offset and has no "newer than"
  filter: a tick walks the whole tree, `1 + folders + files / list_page_size` requests (about
  1,000 requests for 1,000 artists even when nothing changed). Fine for a small shop, not at
  scale; the count of the last walk is in `last_scan_requests`. Its settle window is measured on
  this machine's clock, its timestamps have milliseconds (as the API prints them) and its
  versions come from the eTag and write time (the list API has no `version`): a switch between
  the two ways may request the upload at the cursor once more (same artwork, new run key).
- **Files**: downloads, derived files (previews, print files, upserted with their content type)
  and signed print-file URLs go through supabase-py's Storage client with the service-role key.
- A signed URL is valid for `signed_url_seconds` (6 h by default: Gelato fetches print files
  asynchronously, hours rather than minutes after the order) and cannot be revoked before then.

Errors come out as `SupabaseStorageError` naming the operation, the object and the Storage status;
the service-role key and the database password never appear in them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar
from urllib.parse import quote, urlsplit

import httpx
import psycopg2
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential
from storage3.exceptions import StorageApiError

from pod_pipeline.observability.scrubbing import Scrubber
from pod_pipeline.storage.base import (
    DERIVED_CACHE_SECONDS,
    ArtworkStorage,
    Upload,
    UploadRefused,
    copy_limited,
    derived_path,
    is_derived,
    owner_of,
    path_problem,
    printable,
)
from pod_pipeline.storage.objects_cursor import (
    ObjectRow,
    ObjectsTable,
    decode_cursor,
    is_hidden,
    size_of,
    version_of,
)
from pod_pipeline.net.tls import shared_tls_context

log = logging.getLogger(__name__)

DEFAULT_SIGNED_URL_SECONDS = 6 * 3600
# Rows younger than this are left for the next tick: `updated_at` is stamped before the storage
# server's transaction commits, so a row can become visible after a younger one was read.
DEFAULT_SETTLE_SECONDS = 2.0
DEFAULT_LIST_PAGE_SIZE = 100

T = TypeVar("T")


class SupabaseStorageError(RuntimeError):
    """A Storage or storage.objects operation failed. `status` is Storage's status code (the
    `statusCode` of its error body, e.g. "404", "409") when it answered."""

    def __init__(self, message: str, *, status: str | None = None, path: str | None = None):
        super().__init__(message)
        self.status, self.path = status, path


def _transient(error: BaseException) -> bool:
    return isinstance(error, SupabaseStorageError) and (error.status is None or error.status.startswith("5"))


def _db_password(database_url: str | None) -> str | None:
    if not database_url:
        return None
    try:
        return urlsplit(database_url).password
    except ValueError:
        return None


def _db_label(database_url: str) -> str:
    """host:port/db of a database URL, for messages (never the user or password)."""
    try:
        parts = urlsplit(database_url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or ''}"
    except ValueError:
        return "the database"


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


class SupabaseStorage(ArtworkStorage):
    kind = "supabase"

    def __init__(
        self,
        supabase_url: str,
        service_role_key: str,
        bucket: str = "artwork",
        database_url: str | None = None,
        signed_url_seconds: int = DEFAULT_SIGNED_URL_SECONDS,
        http_client: httpx.Client | None = None,
        *,
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
        list_page_size: int = DEFAULT_LIST_PAGE_SIZE,
    ):
        if not supabase_url or urlsplit(supabase_url).scheme not in ("http", "https"):
            raise ValueError("SupabaseStorage needs supabase_url (SUPABASE_URL), an http(s) URL")
        if not service_role_key:
            raise ValueError("SupabaseStorage needs service_role_key (SUPABASE_SERVICE_ROLE_KEY)")
        if int(signed_url_seconds) < 1:
            raise ValueError("signed_url_seconds must be at least 1")
        self.supabase_url = supabase_url.rstrip("/")
        self.bucket = bucket
        self.database_url = database_url or None
        self.signed_url_seconds = int(signed_url_seconds)
        self.settle_seconds = float(settle_seconds)
        self.list_page_size = int(list_page_size)
        self.last_scan_requests = 0  # list-API requests of the last fallback scan
        self._key = service_role_key
        self._redact = Scrubber([service_role_key, _db_password(database_url)])
        self._http_client = http_client
        self._own_http_client: httpx.Client | None = None
        self._files = None  # supabase-py bucket proxy, made on first use
        self._conn = None
        self._table: ObjectsTable | None = None

    def __repr__(self) -> str:
        cursor = f"storage.objects on {_db_label(self.database_url)}" if self.database_url else "list API"
        return f"SupabaseStorage({self.supabase_url!r}, bucket={self.bucket!r}, cursor={cursor!r})"

    # --- plumbing -------------------------------------------------------------------------------

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn, self._table = None, None
        if self._own_http_client is not None:
            self._own_http_client.close()
            self._own_http_client, self._files = None, None

    def __enter__(self) -> "SupabaseStorage":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _client(self) -> httpx.Client:
        if self._http_client is not None:
            return self._http_client
        if self._own_http_client is None:
            # Per-operation timeouts: a big artwork may take long in total, never stall long.
            self._own_http_client = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True,
                                                 verify=shared_tls_context())
        return self._own_http_client

    def _bucket_api(self):
        if self._files is None:
            from supabase import ClientOptions, create_client

            client = self._client()
            options = ClientOptions(auto_refresh_token=False, persist_session=False, httpx_client=client)
            try:
                sb = create_client(self.supabase_url, self._key, options=options)
            except Exception as error:  # SupabaseException: bad URL or key shape
                raise SupabaseStorageError(f"cannot set up the Supabase client for {self.supabase_url}: "
                                           f"{self._redact(error)}") from None
            self._files = sb.storage.from_(self.bucket)
        return self._files

    def _call(self, action: str, path: str | None, call: Callable[[], T]) -> T:
        where = f"{self.bucket}/{path}" if path is not None else self.bucket
        try:
            return call()
        except StorageApiError as error:
            status = str(error.status)
            raise SupabaseStorageError(
                f"Supabase Storage could not {action} {where}: status {status} "
                f"({self._redact(error.code)}): {self._redact(error.message)}",
                status=status, path=path) from None
        except httpx.HTTPError as error:
            raise SupabaseStorageError(
                f"Supabase Storage at {self.supabase_url} could not be reached to {action} {where}: "
                f"{type(error).__name__}: {self._redact(error)}", path=path) from None

    def _objects(self) -> ObjectsTable:
        if self._table is None:
            try:
                self._conn = psycopg2.connect(self.database_url, connect_timeout=10,
                                              application_name="pod_pipeline storage cursor")
                self._conn.set_session(readonly=True)
            except psycopg2.Error as error:
                raise SupabaseStorageError(
                    f"cannot connect to the Supabase database {_db_label(self.database_url)} "
                    f"(SUPABASE_DB_URL) for the upload cursor: {self._redact(error).strip()}") from None
            self._table = ObjectsTable(self._conn)
        return self._table

    def _sql(self, action: str, query: Callable[[ObjectsTable], T]) -> T:
        for attempt in (1, 2):
            fresh = self._table is None
            table = self._objects()
            try:
                return query(table)
            except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
                self.close_database()
                if attempt == 1 and not fresh:
                    continue  # a reused connection went away (idle timeout, failover): reconnect once
                raise SupabaseStorageError(f"storage.objects query to {action} failed on "
                                           f"{_db_label(self.database_url)}: {self._redact(error).strip()}") from None
            except LookupError as error:
                raise SupabaseStorageError(
                    f"{error} on {_db_label(self.database_url)}: is SUPABASE_DB_URL the project's database?") from None
            except psycopg2.Error as error:
                raise SupabaseStorageError(f"storage.objects query to {action} failed on "
                                           f"{_db_label(self.database_url)}: {self._redact(error).strip()}") from None
        raise AssertionError("unreachable")

    def close_database(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg2.Error:
                pass
        self._conn, self._table = None, None

    @staticmethod
    def _upload(row: ObjectRow) -> Upload:
        # The owner is the path's first folder, never the uploader's id: a file outside an owner
        # folder has no owner, and its Upload says why it is refused.
        return Upload(path=row.name, owner=owner_of(row.name), version=row.version,
                      size=row.size, updated_at=row.updated_at)

    # --- ArtworkStorage -------------------------------------------------------------------------

    def scan(self, cursor: str | None, limit: int) -> tuple[list[Upload], str | None]:
        try:
            decode_cursor(cursor)
        except ValueError as error:
            raise SupabaseStorageError(
                f"{error}: the upload sensor's cursor was not written by the Supabase storage (was the "
                "sensor run with another POD_STORAGE?). Reset the upload_sensor cursor in the Dagster UI "
                "to scan the bucket from the start.") from None
        if self.database_url:
            rows = self._sql("find new uploads",
                             lambda table: table.page_after(self.bucket, cursor, limit, self.settle_seconds))
        else:
            rows = self._scan_with_list_api(cursor, limit)
        if not rows:
            return [], cursor
        return [self._upload(row) for row in rows], rows[-1].cursor

    def stat(self, path: str) -> Upload | None:
        if self.database_url:
            row = self._sql(f"read {self.bucket}/{path}", lambda table: table.get(self.bucket, path))
        else:
            row = self._stat_with_list_api(path)
        return self._upload(row) if row else None

    def download(self, path: str, dest: Path, max_bytes: int | None = None) -> Path:
        # Streamed to disk, not through supabase-py (which holds the whole file in memory), and
        # cut off at max_bytes whatever the object's metadata says.
        problem = path_problem(path)
        if problem:
            raise UploadRefused(f"{printable(path)}: {problem}")
        url = f"{self.supabase_url}/storage/v1/object/authenticated/{self.bucket}/{quote(path)}"
        headers = {"apikey": self._key, "Authorization": f"Bearer {self._key}"}

        def fetch() -> None:
            with self._client().stream("GET", url, headers=headers) as response:
                if response.status_code != 200:
                    response.read()
                    try:
                        body = response.json()
                    except ValueError:
                        body = {}
                    raise SupabaseStorageError(
                        f"Supabase Storage could not download {self.bucket}/{printable(path)}: status "
                        f"{body.get('statusCode', response.status_code)} ({self._redact(body.get('error', ''))}): "
                        f"{self._redact(body.get('message', response.text[:200]))}",
                        status=str(body.get("statusCode", response.status_code)), path=path)
                declared = response.headers.get("content-length")
                copy_limited(response.iter_bytes(1 << 20), Path(dest), max_bytes,
                             int(declared) if declared and declared.isdigit() else None, printable(path))
        def attempt() -> None:
            try:
                fetch()
            except httpx.HTTPError as error:
                raise SupabaseStorageError(
                    f"Supabase Storage at {self.supabase_url} could not be reached to download {self.bucket}/"
                    f"{printable(path)}: {type(error).__name__}: {self._redact(error)}", path=path) from None

        # A dropped connection or a 5xx is worth two more tries; a 4xx (gone, refused) is not.
        Retrying(retry=retry_if_exception(_transient), stop=stop_after_attempt(3),
                 wait=wait_exponential(multiplier=0.5, max=4), reraise=True)(attempt)
        return Path(dest)

    def put_derived(self, artwork_id: str, name: str, data: bytes, content_type: str, *, owner: str) -> str:
        path = derived_path(owner, artwork_id, name)
        # upsert must be the string "true": supabase-py sends it as the x-upsert header. The type
        # is set explicitly: without it Storage stores and serves text/plain.
        self._call("upload", path, lambda: self._bucket_api().upload(
            path, data, {"content-type": content_type, "upsert": "true",
                         "cache-control": str(DERIVED_CACHE_SECONDS)}))
        return path

    def print_file_url(self, path: str) -> str:
        signed = self._call("sign a URL for", path,
                            lambda: self._bucket_api().create_signed_url(path, self.signed_url_seconds))
        url = signed.get("signedURL") or signed.get("signedUrl")
        if not url or not url.startswith(("http://", "https://")):
            raise SupabaseStorageError(f"Supabase Storage returned no usable signed URL for {self.bucket}/{path}",
                                       path=path)
        return url

    # --- list-API fallback ----------------------------------------------------------------------

    def _list_folder(self, prefix: str, search: str = "") -> Iterator[dict[str, Any]]:
        """One folder level, all pages (offset paging, by name)."""
        offset = 0
        while True:
            options: dict[str, Any] = {"limit": self.list_page_size, "offset": offset,
                                       "sortBy": {"column": "name", "order": "asc"}}
            if search:
                options["search"] = search
            page = self._call("list", prefix + "/" if prefix else None,
                              lambda: self._bucket_api().list(prefix, options))
            self.last_scan_requests += 1
            yield from page
            if len(page) < self.list_page_size:
                return
            offset += len(page)

    def _walk(self, prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
        """(full name, list item) of every upload under `prefix`, recursing into folders and
        leaving out the pipeline's own folder and hidden names."""
        for item in self._list_folder(prefix):
            name = item.get("name") or ""
            full = f"{prefix}/{name}" if prefix else name
            if not name or is_hidden(name):
                continue
            if item.get("id") is None:  # a folder
                if not is_derived(full + "/"):
                    yield from self._walk(full)
            elif not is_derived(full):
                yield full, item

    @staticmethod
    def _row_from_item(full: str, item: dict[str, Any]) -> ObjectRow | None:
        updated_at = _parse_time(item.get("updated_at")) or _parse_time(item.get("created_at"))
        if updated_at is None:
            return None
        metadata = item.get("metadata") or {}
        return ObjectRow(id=item["id"], name=full, owner_id=item.get("owner_id") or item.get("owner"),
                         updated_at=updated_at, size=size_of(metadata),
                         version=version_of(item.get("version"), metadata.get("eTag"), updated_at))

    def _scan_with_list_api(self, cursor: str | None, limit: int) -> list[ObjectRow]:
        after = decode_cursor(cursor)
        settled = datetime.now(timezone.utc) - timedelta(seconds=self.settle_seconds)
        self.last_scan_requests = 0
        found = []
        for full, item in self._walk():
            row = self._row_from_item(full, item)
            if row is None or row.updated_at > settled:
                continue
            if after is None or (row.updated_at, row.id) > after:
                found.append(row)
        found.sort(key=lambda row: (row.updated_at, row.id))
        log.debug("list-API scan of %s: %d requests, %d new", self.bucket, self.last_scan_requests, len(found))
        return found[:limit]

    def _stat_with_list_api(self, path: str) -> ObjectRow | None:
        folder, _, name = path.rpartition("/")
        for item in self._list_folder(folder, search=name):
            if item.get("name") == name and item.get("id") is not None:
                return self._row_from_item(path, item)
        return None


__all__ = ["SupabaseStorage", "SupabaseStorageError", "DEFAULT_SIGNED_URL_SECONDS", "DEFAULT_SETTLE_SECONDS"]
