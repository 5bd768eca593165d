"""The migration runner and what the migrations promise (realtime readiness, RLS on, grants),
checked in SQL on fresh databases on the local PostgreSQL."""

import shutil
import threading

import pytest

from pod_pipeline.tools.db.migrate import DEFAULT_MIGRATIONS, MigrationError, apply_migrations, discover, main
from pod_pipeline_tests.db.pg import connect

MIGRATION_COUNT = len(discover(DEFAULT_MIGRATIONS))
HISTORY = ("select m.version, m.name, m.statements, c.sha256, c.applied_at from supabase_migrations.schema_migrations m "
           "join supabase_migrations.pod_pipeline_migration_checksums c using (version) order by version")


def rows(url, sql, params=None):
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@pytest.fixture
def migrations(tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(DEFAULT_MIGRATIONS, folder)
    return folder


def test_migrations_apply_once_then_are_a_no_op(empty_database_url):
    versions = [m.version for m in discover()]
    assert versions == sorted(versions) and len(versions) >= 5
    assert apply_migrations(empty_database_url) == versions
    history = rows(empty_database_url, HISTORY)
    assert [(v, n) for v, n, *_ in history] == [(m.version, m.name) for m in discover()]
    assert all(statements == [m.sql] for (_, _, statements, *_), m in zip(history, discover()))
    assert apply_migrations(empty_database_url) == []
    assert rows(empty_database_url, HISTORY) == history  # nothing re-run, nothing re-recorded


def test_a_changed_applied_migration_is_refused(empty_database_url, migrations):
    apply_migrations(empty_database_url, migrations)
    rls = next(migrations.glob("*_rls.sql"))
    original = rls.read_text()
    rls.write_text(original + "\ncreate policy sneaky on public.product for update to authenticated using (true);\n")
    (migrations / "29990101000000_later.sql").write_text("create table public.later (id int primary key);\n")
    with pytest.raises(MigrationError, match=f"changed since they ran: {rls.name}"):
        apply_migrations(empty_database_url, migrations)
    assert rows(empty_database_url, "select to_regclass('public.later')") == [(None,)]  # nothing ran
    rls.write_text(original)
    assert apply_migrations(empty_database_url, migrations) == ["29990101000000"]


def test_versions_applied_by_the_supabase_cli_are_adopted(empty_database_url):
    apply_migrations(empty_database_url)
    with connect(empty_database_url) as conn, conn.cursor() as cur:
        # What `supabase db push` leaves behind: the version row, no checksum of ours.
        cur.execute("delete from supabase_migrations.pod_pipeline_migration_checksums")
    assert apply_migrations(empty_database_url) == []
    assert rows(empty_database_url, "select count(*) from supabase_migrations.pod_pipeline_migration_checksums") == [(MIGRATION_COUNT,)]


def test_a_failing_migration_is_rolled_back_and_not_recorded(empty_database_url, migrations):
    (migrations / "29990101000000_broken.sql").write_text(
        "create table public.half (id int primary key);\nselect 1 / 0;\n")
    with pytest.raises(MigrationError, match="29990101000000_broken.sql failed and was rolled back: division by zero"):
        apply_migrations(empty_database_url, migrations)
    assert rows(empty_database_url, "select to_regclass('public.half')") == [(None,)]
    assert rows(empty_database_url, "select count(*) from supabase_migrations.schema_migrations") == [(MIGRATION_COUNT,)]


def test_concurrent_runners_apply_each_migration_once(empty_database_url):
    results, errors = [], []

    def run():
        try:
            results.append(apply_migrations(empty_database_url))
        except Exception as error:  # surfaced below
            errors.append(error)
    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results, key=len) == [[], [], [m.version for m in discover()]]


def test_missing_folder_and_bad_names_are_clear_errors(empty_database_url, tmp_path, migrations):
    with pytest.raises(MigrationError, match="not found"):
        apply_migrations(empty_database_url, tmp_path / "nowhere")
    (migrations / "catalog_fix.sql").write_text("select 1;")
    with pytest.raises(MigrationError, match="catalog_fix.sql: migration files are named"):
        discover(migrations)


def test_cli_takes_the_url_from_flag_or_environment(empty_database_url, monkeypatch, capsys):
    for name in ("SUPABASE_DB_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main([]) == 2
    assert "SUPABASE_DB_URL" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    assert main([]) == 0
    assert f"applied {MIGRATION_COUNT} migration(s)" in capsys.readouterr().out
    monkeypatch.setenv("SUPABASE_DB_URL", empty_database_url)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")  # SUPABASE_DB_URL wins
    assert main([]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["--database-url", "postgresql://postgres@127.0.0.1:5432/pod_test_does_not_exist"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_realtime_readiness(database_url):
    published = rows(database_url, "select tablename from pg_publication_tables "
                                   "where pubname = 'supabase_realtime' and schemaname = 'public' order by 1")
    assert published == [("product",), ("variant",), ("variant_price",)]
    keyed = rows(database_url, "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                               "where n.nspname = 'public' and c.relkind = 'r' and not exists "
                               "(select 1 from pg_constraint k where k.conrelid = c.oid and k.contype = 'p')")
    assert keyed == []  # every table has a primary key (published ones need it for UPDATEs)
    tables = rows(database_url, "select c.relname, c.relrowsecurity from pg_class c join pg_namespace n "
                                "on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r' order by 1")
    assert tables == [(t, True) for t in ("api_rate_limit", "artwork", "gelato_event", "product", "publish_intent",
                                          "storefront_price", "variant", "variant_price")]
    for table in ("artwork", "product", "storefront_price", "variant", "variant_price"):
        assert rows(database_url, f"""select has_table_privilege('authenticated', 'public.{table}', 'select'),
            has_table_privilege('authenticated', 'public.{table}', 'insert'),
            has_table_privilege('authenticated', 'public.{table}', 'update'),
            has_table_privilege('authenticated', 'public.{table}', 'delete'),
            has_table_privilege('anon', 'public.{table}', 'select'),
            has_table_privilege('service_role', 'public.{table}', 'insert')""") == [(True, False, False, False, False, True)]
    for table in ("publish_intent", "gelato_event"):
        assert rows(database_url, f"select has_table_privilege('authenticated', 'public.{table}', 'select'), "
                                  f"has_table_privilege('anon', 'public.{table}', 'select')") == [(False, False)]


def test_one_select_policy_per_user_table_and_no_write_policies(database_url):
    assert rows(database_url, "select tablename, cmd, roles::text[], qual from pg_policies "
                              "where schemaname = 'public' order by 1") == [
        (t, "SELECT", ["authenticated"], "(( SELECT auth.uid() AS uid) = user_id)")
        for t in ("artwork", "product", "storefront_price", "variant", "variant_price")]


def test_lookups_are_indexed(database_url):
    leading = set(rows(database_url, """
        select t.relname, a.attname, i.indisunique from pg_index i
        join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
        join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0]
        where n.nspname = 'public'"""))
    for table, column in [("product", "user_id"), ("product", "status"), ("variant", "product_id"),
                          ("artwork", "user_id"), ("product", "artwork_id"), ("variant", "user_id"),
                          ("gelato_event", "store_product_id"), ("variant_price", "artwork_id"),
                          ("variant_price", "user_id")]:
        assert any(t == table and c == column for t, c, _ in leading), (table, column)
    assert ("product", "gelato_product_id", True) in leading
    # One product per artwork, template and store (several stores); it also serves lookups by artwork.
    [[unique]] = rows(database_url, "select pg_get_indexdef(indexrelid) from pg_index where indrelid = "
                                    "'public.product'::regclass and indisunique and indnatts = 3 and indkey[0] = "
                                    "(select attnum from pg_attribute where attrelid = 'public.product'::regclass "
                                    "and attname = 'artwork_id')")
    assert unique.endswith("(artwork_id, template_id, store)")
    assert ("product", "store", False) in leading


def test_the_retirement_walk_reads_its_own_partial_index(database_url):
    [[definition]] = rows(database_url, "select indexdef from pg_indexes where schemaname = 'public' "
                                        "and indexname = 'artwork_settled_idx'")
    assert "(updated_at, id)" in definition and "rejected" in definition and "failed" in definition
