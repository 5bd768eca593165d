"""Apply `supabase/migrations/*.sql` to a Postgres database, in name order, exactly once each.

Bookkeeping is the Supabase CLI's own table, `supabase_migrations.schema_migrations(version,
statements, name)`, so a project later managed with `supabase db push` / `supabase migration
list` sees the same history. What the CLI does not keep, a checksum per applied file, lives in
`supabase_migrations.pod_pipeline_migration_checksums`: an applied file whose content changed is
refused (edit history by adding a migration, never by rewriting one).

Each file runs in its own transaction (a failing file leaves nothing half-applied and stops the
run); a session advisory lock makes a second runner wait and then find nothing to do. Needs a
session-level connection: the direct database URL or the session pooler, not the transaction
pooler (port 6543), which cannot hold an advisory lock across statements.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg2

log = logging.getLogger(__name__)

# The Supabase CLI layout at the repository root (`supabase/migrations`), next to this package.
DEFAULT_MIGRATIONS = Path(__file__).resolve().parents[3] / "supabase" / "migrations"
# The Supabase CLI's file pattern: `<digits>_<name>.sql`; the digits are the version.
_FILE_NAME = re.compile(r"^(?P<version>[0-9]+)_(?P<name>.+)\.sql$")
# Any constant works as long as every runner uses the same one; advisory locks are per database.
_LOCK_KEY = int.from_bytes(b"pod_migr", "big") >> 1
URL_VARIABLES = ("SUPABASE_DB_URL", "DATABASE_URL")

_BOOKKEEPING = """
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
alter table supabase_migrations.schema_migrations add column if not exists statements text[];
alter table supabase_migrations.schema_migrations add column if not exists name text;
create table if not exists supabase_migrations.pod_pipeline_migration_checksums (
  version text primary key references supabase_migrations.schema_migrations (version) on delete cascade,
  sha256 text not null,
  applied_at timestamptz not null default now()
);
"""


class MigrationError(RuntimeError):
    """A migration could not be applied, or the history on the database disagrees with the files."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def label(self) -> str:
        return self.path.name


def discover(directory: Path | str = DEFAULT_MIGRATIONS) -> list[Migration]:
    """The migration files in `directory`, in version order."""
    folder = Path(directory)
    if not folder.is_dir():
        raise MigrationError(
            f"migrations folder {folder} not found: run from a checkout of the repository (the SQL lives in "
            "supabase/migrations/ at its root) or pass --migrations-dir")
    found: dict[str, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named <version digits>_<name>.sql")
        migration = Migration(match["version"], match["name"], path, path.read_text(encoding="utf-8"))
        if migration.version in found:
            raise MigrationError(f"{path.name} and {found[migration.version].label} share version {migration.version}")
        found[migration.version] = migration
    if not found:
        raise MigrationError(f"no migration files in {folder}")
    return list(found.values())  # file name order, as the Supabase CLI applies them


def apply_migrations(database_url: str, directory: Path | str = DEFAULT_MIGRATIONS) -> list[str]:
    """Apply every migration not yet recorded; returns the versions applied now (empty when the
    database was already up to date). Raises MigrationError on a changed applied file or a
    failing migration (that file rolled back, earlier ones kept)."""
    migrations = discover(directory)
    conn = psycopg2.connect(database_url, application_name="pod_pipeline migrate", connect_timeout=10)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
            cur.execute(_BOOKKEEPING)
            del conn.notices[:]  # "already exists, skipping" on every run after the first
            applied = _applied(cur)
            _refuse_changed(cur, migrations, applied)
        ran = []
        for migration in migrations:
            if migration.version not in applied:
                _apply_one(conn, migration)
                ran.append(migration.version)
        return ran
    finally:
        conn.close()  # ends the session, which releases the advisory lock


def _applied(cur) -> dict[str, str | None]:
    cur.execute("select m.version, c.sha256 from supabase_migrations.schema_migrations m "
                "left join supabase_migrations.pod_pipeline_migration_checksums c using (version)")
    return dict(cur.fetchall())


def _refuse_changed(cur, migrations: list[Migration], applied: dict[str, str | None]) -> None:
    changed = [m.label for m in migrations if applied.get(m.version) not in (None, m.sha256)]
    if changed:
        raise MigrationError(
            f"applied migration(s) changed since they ran: {', '.join(changed)}. Restore the applied content "
            "and put the change in a new migration file.")
    for m in migrations:
        if m.version in applied and applied[m.version] is None:
            # Applied by someone else (e.g. the Supabase CLI): adopt its checksum from now on.
            log.info("migration %s was applied without a checksum; recording the current file's", m.label)
            cur.execute("insert into supabase_migrations.pod_pipeline_migration_checksums (version, sha256) "
                        "values (%s, %s) on conflict (version) do nothing", (m.version, m.sha256))


def _apply_one(conn, migration: Migration) -> None:
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute(migration.sql)  # no parameters: psycopg2 leaves `%` in the SQL alone
            # The CLI stores the file split into statements; the whole file as one statement
            # reproduces it exactly for `supabase migration fetch` without an SQL parser here.
            cur.execute("insert into supabase_migrations.schema_migrations (version, name, statements) "
                        "values (%s, %s, %s)", (migration.version, migration.name, [migration.sql]))
            cur.execute("insert into supabase_migrations.pod_pipeline_migration_checksums (version, sha256) "
                        "values (%s, %s)", (migration.version, migration.sha256))
        conn.commit()
    except psycopg2.Error as error:
        conn.rollback()
        raise MigrationError(f"{migration.label} failed and was rolled back: {error}".strip()) from error
    finally:
        _log_notices(conn, migration)
        conn.autocommit = True
    log.info("applied %s", migration.label)


def _log_notices(conn, migration: Migration) -> None:
    # Guarded migrations explain what they skipped (e.g. storage policies on plain Postgres).
    for notice in conn.notices:
        level = logging.WARNING if notice.startswith("WARNING") else logging.INFO
        log.log(level, "%s: %s", migration.label, notice.strip())
    del conn.notices[:]


# -- command line: `pod-pipeline db migrate` ---------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--database-url", help="Postgres URL (direct or session pooler). Default: $SUPABASE_DB_URL, "
                        "else $DATABASE_URL.")
    parser.add_argument("--migrations-dir", type=Path, default=DEFAULT_MIGRATIONS,
                        help="Folder of <version>_<name>.sql files.")
    return parser


def run(args: argparse.Namespace) -> int:
    """Exit code 0 when the database is up to date, 1 on a migration error, 2 without a URL."""
    url = args.database_url or next((os.environ[v] for v in URL_VARIABLES if os.environ.get(v)), None)
    if not url:
        print("pod-pipeline db migrate: no database URL; pass --database-url or set SUPABASE_DB_URL "
              "(or DATABASE_URL)", file=sys.stderr)
        return 2
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    try:
        applied = apply_migrations(url, args.migrations_dir)
    except (MigrationError, psycopg2.OperationalError) as error:
        # Connection errors from libpq name host and database, never the password.
        print(f"pod-pipeline db migrate: {error}".strip(), file=sys.stderr)
        return 1
    print(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "database is up to date")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pod-pipeline db migrate",
                                     description="Apply supabase/migrations to the database, once each, in order.")
    return run(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
