"""Artwork storage: the local bucket folder (exists, writable, served where POD_BUCKET_URL says)
or the Supabase bucket (exists, service key accepted, storage.objects readable for the cursor)."""

from __future__ import annotations

import ipaddress
import os
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg2

from pod_pipeline.tools.doctor.context import DoctorContext, Skip
from pod_pipeline.tools.doctor.databases import database_label, first_line
from pod_pipeline.tools.doctor.report import Finding, fail, ok, skip, warn
from pod_pipeline.storage.base import DERIVED_PREFIX

SUPABASE_KEY_FIX = ("set SUPABASE_SERVICE_ROLE_KEY to this project's service_role key (Project settings → API) "
                    "and check SUPABASE_URL names the same project")


def check_storage(ctx: DoctorContext) -> Finding:
    storage = ctx.storage()
    if storage.kind == "local":
        return _local_folder(Path(storage.local_root), ctx.production)
    return _supabase_bucket(storage, ctx)


def _local_folder(root: Path, production: bool) -> Finding:
    if not root.is_dir() and not production:
        return warn(f"the bucket folder {root} is not created yet (POD_BUCKET_DIR; demo mode)",
                    f"`pod-pipeline dev` creates it and fills it with samples (or `mkdir -p {root}`)")
    if not root.is_dir():
        return fail(f"the bucket folder {root} does not exist (POD_BUCKET_DIR): no upload can be found",
                    f"create it (`mkdir -p {root}`) or set POD_BUCKET_DIR to the folder artists upload into")
    try:
        with tempfile.NamedTemporaryFile(dir=root, prefix=".pod-doctor-"):
            pass
    except OSError as error:
        return fail(f"the bucket folder {root} is not writable ({error.strerror}): previews and print files "
                    f"go under {root}/{DERIVED_PREFIX}", f"make {root} writable by this user (or set POD_BUCKET_DIR)")
    owners = sum(1 for entry in os.scandir(root) if entry.is_dir() and not entry.name.startswith((".", "_")))
    return ok(f"local bucket {root}: writable, {owners} owner folders")


def _supabase_bucket(storage, ctx: DoctorContext) -> Finding:
    base = f"{storage.supabase_url.rstrip('/')}/storage/v1"
    key = storage.service_role_key
    headers = {"apikey": key, "Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(timeout=ctx.timeout, headers=headers) as http:
            answer = http.get(f"{base}/bucket/{storage.bucket}")
            if answer.status_code == 404 and not _is_json(answer):
                # A Storage API without the bucket routes (e.g. behind a proxy): the list route
                # answers the same question (an unknown bucket is NoSuchBucket there too).
                answer = http.post(f"{base}/object/list/{storage.bucket}", json={"prefix": "", "limit": 1})
    except httpx.HTTPError as error:
        return fail(f"Supabase Storage at {storage.supabase_url} cannot be reached: {type(error).__name__}: {error}",
                    "check SUPABASE_URL (https://<project-ref>.supabase.co) and network access to it")
    if problem := _storage_refusal(answer, storage.bucket):
        return problem
    found = f"Supabase bucket {storage.bucket!r} at {storage.supabase_url}: service key accepted"
    if not storage.database_url:
        return warn(found + "; SUPABASE_DB_URL is not set, so the sensor walks the bucket through the list API "
                    "(a request per folder per tick)",
                    "set SUPABASE_DB_URL to the project's direct database connection")
    where = database_label(storage.database_url)
    try:
        objects = _count_objects(storage.database_url, storage.bucket, ctx)
        settings = _bucket_settings(storage.database_url, storage.bucket, ctx)
    except psycopg2.Error as error:
        return fail(f"{found}; storage.objects on {where} (SUPABASE_DB_URL) cannot be read: {first_line(error)}",
                    "set SUPABASE_DB_URL to this project's direct (or session pooler) connection string")
    shown = "1000+" if objects >= 1000 else str(objects)
    found = f"{found}; storage.objects readable on {where} ({shown} objects)"
    return _bucket_limits(found, storage.bucket, settings, _max_file_bytes(ctx))


# What the pipeline itself writes into the bucket (previews, print files): a bucket whose
# allowed_mime_types leaves one out refuses them, and nothing can publish.
PIPELINE_TYPES = ("image/jpeg", "image/png")


def _bucket_settings(database_url: str, bucket: str, ctx: DoctorContext) -> tuple | None:
    """(public, allowed_mime_types, file_size_limit) of the bucket's storage.buckets row."""
    conn = psycopg2.connect(database_url, connect_timeout=ctx.connect_timeout, application_name="pod_pipeline doctor")
    try:
        conn.set_session(readonly=True, autocommit=True)
        with conn.cursor() as cur:
            cur.execute("select public, allowed_mime_types, file_size_limit from storage.buckets where id = %s",
                        (bucket,))
            return cur.fetchone()
    finally:
        conn.close()


def _max_file_bytes(ctx: DoctorContext) -> int:
    from pod_pipeline.settings.model import PrintRules

    try:
        return ctx.load_settings().print.max_file_bytes
    except Exception:  # noqa: BLE001 - the settings check reports a broken file; judge by the default
        return PrintRules().max_file_bytes


def _allows(allowed: list[str], mime: str) -> bool:
    """The storage server's rule: `type/subtype` listed, or `type/*`."""
    kind = mime.partition("/")[0]
    return any(a == mime or a == f"{kind}/*" for a in allowed)


def _bucket_limits(found: str, bucket: str, settings: tuple | None, max_file_bytes: int) -> Finding:
    if settings is None:
        return ok(found)
    public, allowed, size_limit = settings
    allowed = list(allowed or [])
    refused = [mime for mime in PIPELINE_TYPES if allowed and not _allows(allowed, mime)]
    limits = (f"allowed_mime_types {', '.join(allowed) if allowed else 'any'}, "
              f"file_size_limit {f'{size_limit:,} bytes' if size_limit else 'none'}")
    recommended = (f"update storage.buckets set allowed_mime_types = '{{image/png,image/jpeg}}', "
                   f"file_size_limit = {max_file_bytes} where id = '{bucket}' (Dashboard → Storage → "
                   f"{bucket} → Edit bucket)")
    if refused:
        return fail(f"{found}; the bucket refuses {', '.join(refused)} ({limits}): the pipeline cannot store its "
                    "previews and print files, so nothing publishes", recommended)
    if public:
        return warn(f"{found}; the bucket is public: anyone with a path can download artists' full-size files",
                    f"make the bucket private (Dashboard → Storage → {bucket} → Edit bucket); the pipeline and "
                    "the frontend use signed URLs")
    if size_limit and size_limit < max_file_bytes:
        return warn(f"{found}; file_size_limit {size_limit:,} bytes is below print.max_file_bytes "
                    f"({max_file_bytes:,}): the pipeline's print copy of an accepted upload may not fit, and "
                    "that artwork fails", recommended)
    return ok(f"{found}; {limits}")


def _count_objects(database_url: str, bucket: str, ctx: DoctorContext) -> int:
    """What the upload cursor reads (capped: a count of a big bucket is a sequential scan)."""
    conn = psycopg2.connect(database_url, connect_timeout=ctx.connect_timeout, application_name="pod_pipeline doctor")
    try:
        conn.set_session(readonly=True, autocommit=True)
        with conn.cursor() as cur:
            cur.execute("select count(*) from (select 1 from storage.objects where bucket_id = %s limit 1000) o",
                        (bucket,))
            return cur.fetchone()[0]
    finally:
        conn.close()


def _is_json(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("application/json")


def _storage_refusal(answer: httpx.Response, bucket: str) -> Finding | None:
    """Storage answers 4xx as HTTP 400 with the real status in the body's statusCode; the API
    gateway answers 401 itself for a key that is not the project's."""
    if answer.status_code < 400:
        return None
    body = answer.json() if _is_json(answer) else {}
    status = str(body.get("statusCode", answer.status_code)) if isinstance(body, dict) else str(answer.status_code)
    message = body.get("message", "") if isinstance(body, dict) else ""
    if answer.status_code == 401 or status in ("401", "403"):
        return fail(f"Supabase Storage refused the service key: {status} {message}".strip(), SUPABASE_KEY_FIX)
    if status == "404":
        return fail(f"the bucket {bucket!r} does not exist in this Supabase project",
                    f"create a private bucket named {bucket!r} (Dashboard → Storage → New bucket) or set "
                    "SUPABASE_BUCKET to the bucket artists upload into")
    return fail(f"Supabase Storage answered {answer.status_code} ({status}) {message}".strip(),
                "check SUPABASE_URL and the project's status page; run the doctor again")


def check_print_files(ctx: DoctorContext) -> Finding:
    """Gelato fetches every print file by URL: for the local bucket, a probe file written into
    POD_BUCKET_DIR must come back from POD_BUCKET_URL (same folder, server running)."""
    storage = ctx.storage()
    if storage.kind != "local":
        return skip("Gelato fetches print files from Supabase signed URLs (bucket checked under storage)")
    root = Path(storage.local_root)
    serve = f"`pod-pipeline bucket-server --root {root} --port 8791` and set POD_BUCKET_URL=http://<host>:8791/bucket"
    if not storage.public_base_url:
        return fail("POD_BUCKET_URL is not set: Gelato cannot fetch print files, so nothing can be published",
                    f"serve the bucket: {serve}")
    if not root.is_dir():
        raise Skip(f"the bucket folder {root} does not exist (see storage)")
    from pod_pipeline.storage.local import LocalFolderStorage

    probe = f"{DERIVED_PREFIX}doctor-probe-{uuid.uuid4().hex[:12]}.txt"
    token = uuid.uuid4().hex
    local = LocalFolderStorage(root, storage.public_base_url)
    target = root / probe
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(token)
        url = local.print_file_url(probe)
        try:
            answer = httpx.get(url, timeout=ctx.timeout, follow_redirects=True)
        except httpx.ConnectError as error:
            found = f"the bucket server is not running at POD_BUCKET_URL {storage.public_base_url}"
            if ctx.production:
                return fail(f"{found} ({type(error).__name__})", f"start the bucket server: {serve}")
            return warn(f"{found} (demo mode)", f"`pod-pipeline dev` starts it; or {serve}")
        except httpx.HTTPError as error:
            return fail(f"nothing answers at POD_BUCKET_URL {storage.public_base_url} ({type(error).__name__})",
                        f"start the bucket server: {serve}")
    except OSError as error:
        return fail(f"cannot write a probe file under {root}/{DERIVED_PREFIX}: {error.strerror}",
                    f"make {root} writable by this user")
    finally:
        target.unlink(missing_ok=True)
    if answer.status_code != 200 or answer.text != token:
        return fail(f"POD_BUCKET_URL {storage.public_base_url} does not serve POD_BUCKET_DIR {root} (a probe file "
                    f"came back as HTTP {answer.status_code})",
                    f"point POD_BUCKET_URL at the server for {root}, or start one: {serve}")
    if ctx.production and _is_private_host(storage.public_base_url):
        return warn(f"POD_BUCKET_URL {storage.public_base_url} serves the bucket, but only on this network: "
                    "Gelato fetches from the internet", "use POD_STORAGE=supabase (signed URLs) in production, or "
                    "serve the bucket on a public address")
    return ok(f"POD_BUCKET_URL {storage.public_base_url} serves {root}")


def _is_private_host(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback
