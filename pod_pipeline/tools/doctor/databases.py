"""The catalog database (reachable, migrated) and the Dagster instance (loadable; Postgres and
reachable in production). Databases are only read: an empty Dagster database is reported, not
loaded (loading creates Dagster's tables). A SQLite instance is loaded as Dagster would, which
makes its files under DAGSTER_HOME."""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import yaml

from pod_pipeline.tools.db.migrate import MigrationError, discover
from pod_pipeline.tools.doctor.context import DoctorContext
from pod_pipeline.tools.doctor.report import Finding, fail, ok, warn

# The same command README and docs/operations.md give: the direct (session) connection to the
# catalog's database, which a migration's advisory lock needs (POD_CATALOG_URL may be a pooler).
MIGRATE = 'pod-pipeline db migrate --database-url "$SUPABASE_DB_URL"'
DAEMON_SILENT_SECONDS = 300


def database_label(url: str) -> str:
    """host:port/database of a Postgres URL: never the user or the password."""
    if "://" not in url:
        return "the database"  # a key=value connection string
    try:
        parts = urlsplit(url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or ''}"
    except ValueError:
        return "the database"


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# -- catalog ----------------------------------------------------------------------------------------
def check_catalog(ctx: DoctorContext) -> Finding:
    url = ctx.catalog().url
    if url.startswith("sqlite:///"):
        found = _sqlite_catalog(Path(url.removeprefix("sqlite:///")), ctx.timeout)
        if ctx.production and found.status == "ok":
            # Allowed (a trial against the real Gelato), but the seller's storefront reads the
            # Supabase catalog: in production a file on this machine is almost surely a mistake.
            return fail(f"production keeps the catalog in {found.found.split(':')[0]}: the storefront (Supabase) "
                        "sees no product", "set POD_CATALOG_URL to the Supabase database "
                        "(postgresql://…) and apply the migrations (`pod-pipeline db migrate`)")
        return found
    return _postgres_catalog(url, ctx)


def _sqlite_catalog(path: Path, timeout: float) -> Finding:
    if not path.exists():
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if os.access(folder, os.W_OK):
            return ok(f"SQLite {path}: not created yet (made on first use)")
        return fail(f"SQLite {path} cannot be created: {folder} is not writable",
                    "set POD_CATALOG_URL=sqlite:///<a path this user can write>")
    try:
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=timeout)) as db:
            tables = {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
            if not {"artwork", "product"} <= tables:
                return warn(f"SQLite {path} holds no catalog tables (they are created on first use)",
                            "check that POD_CATALOG_URL names the catalog file, not another database")
            artworks = db.execute("select count(*) from artwork").fetchone()[0]
            products = db.execute("select count(*) from product").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return fail(f"SQLite {path} cannot be read: {error}",
                    "point POD_CATALOG_URL at the catalog file, or move the damaged file away (a new one is made)")
    return ok(f"SQLite {path}: {artworks} artworks, {products} products")


def _postgres_catalog(url: str, ctx: DoctorContext) -> Finding:
    where = database_label(url)
    try:
        conn = psycopg2.connect(url, connect_timeout=ctx.connect_timeout, application_name="pod_pipeline doctor")
    except psycopg2.Error as error:
        return fail(f"cannot connect to the catalog database {where}: {first_line(error)}",
                    "check POD_CATALOG_URL (host, port, user, password); on Supabase copy the direct or session "
                    "pooler connection string from Project settings → Database")
    try:
        conn.set_session(readonly=True, autocommit=True)
        with conn.cursor() as cur:
            cur.execute("set statement_timeout = %s", (int(ctx.timeout * 1000),))
            applied = _applied_migrations(cur)
    except psycopg2.Error as error:
        return fail(f"the catalog database {where} answered with an error: {first_line(error)}",
                    "check that POD_CATALOG_URL's user may read the database")
    finally:
        conn.close()
    try:
        files = discover()
    except MigrationError as error:
        return warn(f"Postgres {where} reachable; migrations not compared: {error}",
                    "run the doctor from a checkout of the repository (supabase/migrations/)")
    pending = [m.label for m in files if m.version not in applied]
    changed = [m.label for m in files if applied.get(m.version) not in (None, m.sha256)]
    if changed:
        return fail(f"Postgres {where}: applied migrations changed since they ran: {', '.join(changed)}",
                    "restore those files as they were applied and put the change in a new migration")
    if pending:
        return fail(f"Postgres {where}: {len(pending)} of {len(files)} migrations pending: {', '.join(pending)}",
                    MIGRATE)
    unknown = sorted(set(applied) - {m.version for m in files})
    if unknown:
        return warn(f"Postgres {where}: migrated, plus versions this checkout does not have: {', '.join(unknown)}",
                    "update this installation to the code that applied them")
    return ok(f"Postgres {where}: all {len(files)} migrations applied")


def _applied_migrations(cur) -> dict[str, str | None]:
    """version → the checksum recorded when it ran (None when applied by another tool)."""
    cur.execute("select to_regclass('supabase_migrations.schema_migrations') is not null, "
                "to_regclass('supabase_migrations.pod_pipeline_migration_checksums') is not null")
    has_versions, has_checksums = cur.fetchone()
    if not has_versions:
        return {}
    if not has_checksums:
        cur.execute("select version, null from supabase_migrations.schema_migrations")
    else:
        cur.execute("select m.version, c.sha256 from supabase_migrations.schema_migrations m "
                    "left join supabase_migrations.pod_pipeline_migration_checksums c using (version)")
    return dict(cur.fetchall())


# -- Dagster instance ----------------------------------------------------------------------------
def check_dagster(ctx: DoctorContext) -> Finding:
    home = ctx.env.get("DAGSTER_HOME")
    if not home:
        if ctx.production:
            return fail("DAGSTER_HOME is not set",
                        "set DAGSTER_HOME to a folder holding deploy/postgres/dagster.yaml (Postgres via "
                        "DAGSTER_PG_URL), e.g. `export DAGSTER_HOME=$PWD/deploy/postgres` in the checkout")
        return warn("DAGSTER_HOME is not set: a plain `dagster dev` keeps runs in a temporary instance",
                    "nothing for `pod-pipeline demo`/`dev` (they make their own); for your own `dagster dev`, "
                    "set DAGSTER_HOME to an absolute folder")
    folder = Path(home)
    if not folder.is_absolute():
        return fail(f"DAGSTER_HOME {home} is not an absolute path (Dagster refuses it)",
                    f"set DAGSTER_HOME={folder.resolve()}")
    if not folder.is_dir():
        return fail(f"DAGSTER_HOME {home} is not a folder", f"create it (`mkdir -p {home}`) and put dagster.yaml there")
    config_file = folder / "dagster.yaml"
    if config_file.is_file():
        if finding := _dagster_database_finding(config_file, ctx):
            return finding
    elif ctx.production:
        return fail(f"no dagster.yaml in {home}: Dagster would keep everything in SQLite files there",
                    "copy deploy/postgres/dagster.yaml (Postgres via DAGSTER_PG_URL) into DAGSTER_HOME")
    from dagster import DagsterInstance

    try:
        with DagsterInstance.from_config(str(folder)) as instance:
            storage = type(instance.run_storage).__name__
            heartbeats = instance.get_daemon_heartbeats() if ctx.production else {}
    except Exception as error:  # any config or storage error: report it, never stop the doctor
        return fail(f"the Dagster instance in {home} does not load: {type(error).__name__}: {first_line(error)}",
                    f"correct {config_file} (deploy/postgres/dagster.yaml is the production example)")
    kind = "Postgres" if storage.startswith("Postgres") else "SQLite"
    if ctx.production and kind != "Postgres":
        return fail(f"the Dagster instance in {home} keeps runs in SQLite ({storage}) in production",
                    "use deploy/postgres/dagster.yaml (storage: postgres, DAGSTER_PG_URL) in DAGSTER_HOME")
    if ctx.production:
        newest = max((beat.timestamp for beat in heartbeats.values()), default=None)
        if newest is None or time.time() - newest > DAEMON_SILENT_SECONDS:
            return warn(f"instance {home} on {kind}; no dagster-daemon heartbeat in the last "
                        f"{DAEMON_SILENT_SECONDS // 60} minutes: sensors and schedules are not ticking",
                        "run `dagster-daemon run -w workspace.yaml` with the same DAGSTER_HOME and DAGSTER_PG_URL")
    return ok(f"instance {home} on {kind}")


def _dagster_database_finding(config_file: Path, ctx: DoctorContext) -> Finding | None:
    """When dagster.yaml reads DAGSTER_PG_URL: set, the server answers within the time limit
    (Dagster's own connection retries would hang on an unreachable host), and Dagster's tables
    are there. None: go on and load the instance."""
    try:
        config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        return fail(f"{config_file} cannot be read: {first_line(error)}", f"correct {config_file}")
    if not _reads_variable(config, "DAGSTER_PG_URL"):
        return None
    url = ctx.env.get("DAGSTER_PG_URL")
    if not url:
        return fail(f"{config_file} reads DAGSTER_PG_URL, which is not set",
                    "set DAGSTER_PG_URL=postgresql://<user>:<password>@<host>:5432/<database> (Dagster's own "
                    "database)")
    try:
        conn = psycopg2.connect(url, connect_timeout=ctx.connect_timeout, application_name="pod_pipeline doctor")
    except psycopg2.Error as error:
        return fail(f"cannot connect to Dagster's database {database_label(url)} (DAGSTER_PG_URL): "
                    f"{first_line(error)}",
                    "check DAGSTER_PG_URL (host, port, user, password) and that the database exists "
                    "(`createdb <database>`)")
    try:
        with conn.cursor() as cur:
            cur.execute("select to_regclass('runs') is not null")
            has_tables = cur.fetchone()[0]
    finally:
        conn.close()
    if not has_tables:
        # Loading the instance would create them: the doctor leaves that to Dagster.
        return warn(f"Dagster's database {database_label(url)} (DAGSTER_PG_URL) is reachable but has no Dagster "
                    "tables yet", "start the daemon or the webserver with this DAGSTER_HOME (they create them), "
                    "or run `dagster instance migrate`")
    return None


def _reads_variable(config: Any, name: str) -> bool:
    if isinstance(config, dict):
        return config.get("env") == name or any(_reads_variable(v, name) for v in config.values())
    if isinstance(config, list):
        return any(_reads_variable(v, name) for v in config)
    return False
