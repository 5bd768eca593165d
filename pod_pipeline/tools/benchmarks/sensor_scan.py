"""How long a sensor tick takes to find new uploads in a big Supabase bucket.

A throw-away database on the Postgres server gets Supabase's `storage` schema (same columns,
same indexes: none on `updated_at`) and `existing` objects, one in three an artist's upload and
the rest the pipeline's own previews and print files, as a bucket in use looks. The cursor is
put where a caught-up sensor keeps it (after the last upload), `new` uploads arrive, and one tick
is timed the way production runs it: a fresh `SupabaseStorage` (connect, read the table's
columns, run the keyset query, close). Also reported: the query alone on a warm connection
(median of 5), an idle tick before the new uploads, Postgres's plan, and, unless turned off,
the real `upload_sensor` evaluated against the same table until it has requested every upload
(it takes at most `uploads_per_tick`, POD_SENSOR_MAX_UPLOADS, per tick).

    measure_sensor_scan(existing=100_000, new=100)  # → {"existing", "new", "found", "tick_seconds", ...}
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time

import psycopg2

from pod_pipeline.storage.objects_cursor import ObjectsTable, encode_cursor
from pod_pipeline.storage.supabase import SupabaseStorage
from pod_pipeline.tools.storage_standin.database import DEFAULT_ADMIN_URL, temporary_database
from pod_pipeline.tools.storage_standin.schema import create_storage_schema, ensure_bucket

BUCKET = "artwork"
USERS = 500
# Never contacted: a tick only reads storage.objects.
UNUSED_SUPABASE_URL, UNUSED_KEY = "http://127.0.0.1:9", "benchmark-key-not-used"

_INSERT = """
insert into storage.objects (bucket_id, name, owner_id, created_at, updated_at, last_accessed_at, metadata, version)
select %(bucket)s,
       case when i %% 3 = 0 then md5('user' || (i %% %(users)s))::uuid::text || '/' || %(stem)s || i || '.png'
            when i %% 3 = 1 then '_pipeline/' || %(stem)s || i || '/preview.jpg'
            else '_pipeline/' || %(stem)s || i || '/print.png' end,
       case when i %% 3 = 0 then md5('user' || (i %% %(users)s))::uuid::text end,
       at, at, at,
       jsonb_build_object('eTag', '"' || md5(%(stem)s || i) || '"', 'size', 100000 + i,
                          'mimetype', case when i %% 3 = 1 then 'image/jpeg' else 'image/png' end,
                          'cacheControl', 'max-age=3600', 'contentLength', 100000 + i, 'httpStatusCode', 200),
       gen_random_uuid()::text
from (select i, statement_timestamp() - make_interval(secs => %(age_from)s)
                + make_interval(secs => i * %(spacing)s) as at
      from generate_series(0, %(count)s - 1) as i) rows
"""


def _insert(conn, count: int, stem: str, age_from: float, spacing: float, uploads_only: bool) -> None:
    """`count` objects aged from `age_from` seconds ago, `spacing` seconds apart. With
    `uploads_only`, every row is an upload (i is stepped by 3)."""
    statement = _INSERT
    if uploads_only:
        statement = statement.replace("generate_series(0, %(count)s - 1) as i",
                                      "generate_series(0, 3 * (%(count)s - 1), 3) as i")
        spacing /= 3
    with conn.cursor() as cur:
        cur.execute(statement, {"bucket": BUCKET, "users": USERS, "stem": stem, "count": count,
                                "age_from": age_from, "spacing": spacing})
    conn.commit()


def _caught_up_cursor(conn) -> str | None:
    """Where a sensor that has seen everything keeps its cursor: the last upload."""
    with conn.cursor() as cur:
        cur.execute("select updated_at, id::text from storage.objects where bucket_id = %s "
                    "and not starts_with(name, '_pipeline/') order by updated_at desc, id desc limit 1", (BUCKET,))
        row = cur.fetchone()
    conn.commit()
    return encode_cursor(row[0], row[1]) if row else None


def _tick(database_url: str, cursor: str | None, limit: int):
    started = time.perf_counter()
    with SupabaseStorage(UNUSED_SUPABASE_URL, UNUSED_KEY, bucket=BUCKET, database_url=database_url) as storage:
        uploads, new_cursor = storage.scan(cursor, limit)
    return uploads, new_cursor, time.perf_counter() - started


def _plan_outline(plan: str) -> str:
    nodes = [re.sub(r"\s+on\s+.*|\s+\(.*", "", line.strip().removeprefix("->").strip())
             for line in plan.splitlines() if "(cost=" in line]
    return " > ".join(nodes)


def uploads_in(request) -> int:
    """Uploads a run request covers: a batch names each artwork's path in its run config."""
    paths = (request.run_config or {}).get("ops", {}).get("artworks", {}).get("config", {}).get("paths")
    return len(paths) if paths else 1


def _through_upload_sensor(database_url: str, cursor: str | None, expected: int) -> dict:
    from dagster import AssetMaterialization, DagsterInstance, SensorResult, build_sensor_context

    from pod_pipeline.defs.publishing.upload_sensor import upload_sensor
    from pod_pipeline.defs.resources import CatalogResource, SupabaseStorageResource, UploadBatchingResource
    from pod_pipeline.defs.runs import RunMode

    resource = SupabaseStorageResource(supabase_url=UNUSED_SUPABASE_URL, service_role_key=UNUSED_KEY,
                               bucket=BUCKET, database_url=database_url)
    ticks, requested, seconds = 0, 0, []
    with DagsterInstance.ephemeral() as instance, tempfile.TemporaryDirectory() as scratch:
        resources = {"storage": resource, "catalog": CatalogResource(url=f"sqlite:///{scratch}/catalog.db"),
                     "batching": UploadBatchingResource()}
        for key in ("templates", "base_costs"):  # the Gelato cache exists: ticks go straight to uploads
            instance.report_runless_asset_event(AssetMaterialization(key))
        while ticks < expected + 2:
            context = build_sensor_context(instance=instance, cursor=cursor, resources=resources)
            started = time.perf_counter()
            result = upload_sensor(RunMode("demo"))(context)
            seconds.append(time.perf_counter() - started)
            ticks += 1
            if not isinstance(result, SensorResult) or not result.run_requests:
                break
            requested += sum(uploads_in(request) for request in result.run_requests)
            cursor = result.cursor
    return {"sensor_found": requested, "sensor_ticks": ticks, "sensor_first_tick_seconds": round(seconds[0], 4),
            "sensor_seconds": round(sum(seconds), 4)}


def measure_sensor_scan(existing: int, new: int, database_url: str | None = None,
                        through_sensor: bool = True) -> dict:
    """One sensor tick finding `new` uploads among `existing` objects in `storage.objects`.
    `database_url`: a Postgres server to make the throw-away database on (any database on it;
    default the local server). Returns at least existing, new, found, tick_seconds,
    query_seconds."""
    if existing < 0 or new < 1:
        raise ValueError("existing must be >= 0 and new >= 1")
    admin_url = database_url or DEFAULT_ADMIN_URL
    with temporary_database(admin_url, prefix="pod_bench_sensor") as url:
        create_storage_schema(url)
        ensure_bucket(url, BUCKET)
        conn = psycopg2.connect(url)
        try:
            load_started = time.perf_counter()
            if existing:
                # Spread over the last 30 days, ending 5 minutes ago.
                _insert(conn, existing, "art-", age_from=30 * 86400, spacing=(30 * 86400 - 300) / existing,
                        uploads_only=False)
            with conn.cursor() as cur:
                cur.execute("analyze storage.objects")
            conn.commit()
            load_seconds = time.perf_counter() - load_started
            cursor = _caught_up_cursor(conn)

            idle, _, idle_seconds = _tick(url, cursor, new)
            if idle:
                raise RuntimeError(f"the idle tick found {len(idle)} uploads")

            # New uploads from the last minute (older than the settle window).
            _insert(conn, new, "new-", age_from=60, spacing=30 / new, uploads_only=True)
            uploads, _, tick_seconds = _tick(url, cursor, new)

            table = ObjectsTable(conn)
            table.columns()
            query_runs = []
            for _ in range(5):
                started = time.perf_counter()
                table.page_after(BUCKET, cursor, new)
                query_runs.append(time.perf_counter() - started)
            plan = _plan_outline(table.explain_page(BUCKET, cursor, new))
        finally:
            conn.close()

        report = {
            "existing": existing, "new": new, "found": len(uploads),
            "tick_seconds": round(tick_seconds, 4),
            "query_seconds": round(statistics.median(query_runs), 4),
            "idle_tick_seconds": round(idle_seconds, 4),
            "load_seconds": round(load_seconds, 2),
            "plan": plan,
        }
        if through_sensor:
            try:
                report.update(_through_upload_sensor(url, cursor, new))
            except Exception as error:  # the figure above stands on its own
                report["sensor_error"] = f"{type(error).__name__}: {error}"
    return report
