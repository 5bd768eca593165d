"""`pod-pipeline doctor` against real parts: the Gelato sandbox and a bucket server over HTTP,
SQLite and Postgres catalogs (unmigrated and migrated), the Supabase Storage stand-in, Dagster
instances on SQLite and Postgres, and a fake Anthropic API on loopback that checks the key."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from dagster import DagsterInstance
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.tools.cli import main
from pod_pipeline.tools.db.migrate import apply_migrations, discover
from pod_pipeline.tools.doctor import CHECK_NAMES, Check, run_checks, run_doctor
from pod_pipeline.tools.doctor.context import DoctorContext
from pod_pipeline.tools.doctor.report import exit_code, fail, ok
from pod_pipeline.tools.instance_config import write_embedded_instance
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.storage.file_server import BUCKET_MOUNT, create_bucket_app
from pod_pipeline.tools.storage_standin import StorageStandin, temporary_database
from pod_pipeline_tests.conftest import POSTER, settings_file
from pod_pipeline_tests.db.pg import fresh_database

ROOT = Path(__file__).resolve().parents[1]
GOOD_ANTHROPIC_KEY = "sk-ant-good-0123456789abcdef"
MISSING_TEMPLATE = "7f1d2e3c-0000-4000-8000-00000000dead"


def doctor(env, *names, timeout=5.0):
    results, _ = run_doctor(env, only=names, timeout_seconds=timeout)
    return {r.name: r for r in results}


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def demo_env(tmp_path, gelato_sandbox):
    """A demo environment where every check passes: sandbox, served bucket, SQLite catalog and
    an embedded Dagster instance."""
    bucket_dir = tmp_path / "bucket"
    bucket_dir.mkdir()
    home = tmp_path / "dagster"
    write_embedded_instance(home)
    with BackgroundServer(create_bucket_app(bucket_dir)) as bucket:
        yield {
            "POD_MODE": "demo",
            "POD_SETTINGS": settings_file(tmp_path),
            "POD_SANDBOX_URL": gelato_sandbox.base_url,
            "GELATO_API_KEY": "sandbox-key",
            "POD_BUCKET_DIR": str(bucket_dir),
            "POD_BUCKET_URL": bucket.base_url + BUCKET_MOUNT,
            "POD_CATALOG_URL": f"sqlite:///{tmp_path / 'catalog.db'}",
            "DAGSTER_HOME": str(home),
        }


# -- Gelato ------------------------------------------------------------------------------------------
def test_gelato_with_the_right_key_passes(demo_env):
    found = doctor(demo_env, "gelato", "gelato templates")
    assert found["gelato"].status == "ok", found["gelato"]
    assert "store 6d1c9a3e" in found["gelato"].found
    assert found["gelato templates"].status == "ok"
    assert found["gelato templates"].found.startswith("all 3 templates found")


def test_a_wrong_gelato_key_fails_and_names_the_variable(demo_env):
    wrong = "wrong-gelato-key-0123456789wxyz"
    found = doctor({**demo_env, "GELATO_API_KEY": wrong}, "gelato", "gelato templates")
    for name in ("gelato", "gelato templates"):
        assert found[name].status == "fail"
        assert "GELATO_API_KEY" in found[name].fix
        assert "HTTP 401" in found[name].found and "…wxyz" in found[name].found
        assert wrong not in found[name].found + found[name].fix


def test_a_template_gelato_does_not_have_fails_naming_it(demo_env, tmp_path):
    settings = settings_file(tmp_path, templates=[{"id": POSTER}, {"id": MISSING_TEMPLATE}])
    found = doctor({**demo_env, "POD_SETTINGS": settings}, "gelato templates")["gelato templates"]
    assert found.status == "fail"
    assert MISSING_TEMPLATE in found.found and POSTER not in found.found
    assert "1 of 2 templates" in found.found


def test_a_placeholder_the_template_lacks_fails_naming_it(demo_env, tmp_path):
    settings = settings_file(tmp_path, templates=[{"id": POSTER, "placeholders": ["ImageOnTheMoon"]}])
    found = doctor({**demo_env, "POD_SETTINGS": settings}, "gelato templates")["gelato templates"]
    assert found.status == "fail" and "ImageOnTheMoon" in found.found


def test_a_sandbox_that_is_not_running_says_how_to_start_it(demo_env):
    url = closed_port_url()
    found = doctor({**demo_env, "POD_SANDBOX_URL": url}, "gelato")["gelato"]
    assert found.status == "warn" and "not running" in found.found  # demo mode: not started, not broken
    assert "pod-pipeline dev" in found.fix and f"pod-pipeline sandbox --port {url.rsplit(':', 1)[1]}" in found.fix


def test_after_a_demo_with_nothing_running_the_doctor_says_what_to_start_and_passes(tmp_path, monkeypatch):
    # Issue 15, item 10: right after a demo the doctor reported four failures. In demo mode,
    # a part that is simply not running is a warning that says how to start it.
    monkeypatch.chdir(tmp_path)
    env = {"POD_MODE": "demo", "POD_SANDBOX_URL": closed_port_url(), "POD_BUCKET_URL": closed_port_url() + "/bucket",
           "DAGSTER_HOME": str(tmp_path / "dagster")}
    write_embedded_instance(tmp_path / "dagster")
    results, _ = run_doctor(env, timeout_seconds=5)
    found = {r.name: r for r in results}
    assert exit_code(results) == 0, [(r.name, r.status, r.found) for r in results if r.status == "fail"]
    assert found["gelato"].status == "warn" and "pod-pipeline dev" in found["gelato"].fix
    assert found["storage"].status == "warn" and "not created yet" in found["storage"].found
    (tmp_path / ".pod/dev/bucket").mkdir(parents=True)  # what `pod-pipeline dev` makes
    found = {r.name: r for r in run_doctor(env, only=("print files",), timeout_seconds=5)[0]}
    assert found["print files"].status == "warn" and "not running" in found["print files"].found


def test_production_still_fails_on_an_unreachable_bucket_server(tmp_path):
    (tmp_path / "bucket").mkdir()
    env = {"POD_MODE": "production", "POD_STORAGE": "local", "POD_BUCKET_DIR": str(tmp_path / "bucket"),
           "POD_BUCKET_URL": closed_port_url() + "/bucket"}
    found = doctor(env, "print files")["print files"]
    assert found.status == "fail" and "not running" in found.found


def test_a_hanging_gelato_costs_one_time_limit(demo_env, gelato_sandbox):
    gelato_sandbox.set_faults(rate_timeout=1.0, hang_seconds=20)
    started = time.monotonic()
    found = doctor(demo_env, "gelato", "settings", timeout=1.0)
    assert time.monotonic() - started < 8
    assert found["gelato"].status == "fail" and "cannot be reached" in found["gelato"].found
    assert found["settings"].status == "ok"


# -- catalog -----------------------------------------------------------------------------------------
def test_sqlite_catalog_new_existing_and_damaged(tmp_path):
    path = tmp_path / "catalog.db"
    env = {"POD_CATALOG_URL": f"sqlite:///{path}"}
    assert doctor(env, "catalog")["catalog"].found.endswith("not created yet (made on first use)")
    SqliteCatalog(path)
    found = doctor(env, "catalog")["catalog"]
    assert found.status == "ok" and "0 artworks, 0 products" in found.found
    path.write_bytes(b"this is not a database" * 100)
    assert doctor(env, "catalog")["catalog"].status == "fail"


def test_production_with_a_sqlite_catalog_fails(tmp_path):
    found = doctor({"POD_MODE": "production", "POD_CATALOG_URL": f"sqlite:///{tmp_path / 'c.db'}"},
                   "catalog")["catalog"]
    assert found.status == "fail" and "storefront" in found.found and "POD_CATALOG_URL" in found.fix


def test_unmigrated_postgres_catalog_fails_with_the_migrate_command():
    with fresh_database(migrate=False) as url:
        found = doctor({"POD_CATALOG_URL": url}, "catalog")["catalog"]
        assert found.status == "fail"
        assert found.fix == 'pod-pipeline db migrate --database-url "$SUPABASE_DB_URL"'
        files = discover()
        assert f"{len(files)} of {len(files)} migrations pending" in found.found
        assert all(m.label in found.found for m in files)
        apply_migrations(url)
        assert doctor({"POD_CATALOG_URL": url}, "catalog")["catalog"].status == "ok"


def test_migrated_postgres_catalog_passes_and_a_dropped_record_is_pending(database_url):
    found = doctor({"POD_CATALOG_URL": database_url}, "catalog")["catalog"]
    assert found.status == "ok" and "migrations applied" in found.found
    last = discover()[-1]
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("delete from supabase_migrations.schema_migrations where version = %s", (last.version,))
    found = doctor({"POD_CATALOG_URL": database_url}, "catalog")["catalog"]
    assert found.status == "fail" and f"1 of {len(discover())} migrations pending: {last.label}" in found.found


def test_an_unreachable_postgres_catalog_fails_without_the_password():
    url = "postgresql://postgres:CatalogPassword123@127.0.0.1:5432/pod_doctor_no_such_db"
    found = doctor({"POD_CATALOG_URL": url}, "catalog")["catalog"]
    assert found.status == "fail" and "POD_CATALOG_URL" in found.fix
    assert "CatalogPassword123" not in found.found + found.fix


# -- storage -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, status", [("demo", "warn"), ("production", "fail")])
def test_a_missing_bucket_folder_is_named_and_fails_in_production(demo_env, tmp_path, mode, status):
    missing = tmp_path / "no-such-bucket"
    env = {**demo_env, "POD_BUCKET_DIR": str(missing), "POD_MODE": mode, "POD_STORAGE": "local"}
    found = doctor(env, "storage", "print files")
    assert found["storage"].status == status
    assert "POD_BUCKET_DIR" in found["storage"].found and f"mkdir -p {missing}" in found["storage"].fix
    assert found["print files"].status == "skip" and "see storage" in found["print files"].found


def test_print_files_must_come_back_from_the_bucket_url(demo_env, tmp_path):
    assert doctor(demo_env, "print files")["print files"].status == "ok"
    elsewhere = tmp_path / "elsewhere"
    with BackgroundServer(create_bucket_app(elsewhere)) as other:
        found = doctor({**demo_env, "POD_BUCKET_URL": other.base_url + BUCKET_MOUNT}, "print files")["print files"]
    assert found.status == "fail" and "does not serve POD_BUCKET_DIR" in found.found
    assert not list(Path(demo_env["POD_BUCKET_DIR"]).rglob("doctor-probe-*"))  # the probe is removed
    no_url = {k: v for k, v in demo_env.items() if k != "POD_BUCKET_URL"}
    found = doctor({**no_url, "POD_MODE": "production", "POD_STORAGE": "local"}, "print files")["print files"]
    assert found.status == "fail" and "POD_BUCKET_URL" in found.fix and "bucket-server" in found.fix
    # Demo mode defaults to `pod-pipeline dev`'s bucket server; when it is not running, say so.
    found = doctor(no_url, "print files")["print files"]
    assert found.status == "warn" and "127.0.0.1:8791" in found.found and "pod-pipeline dev" in found.fix


@pytest.fixture
def storage_standin():
    with temporary_database(prefix="pod_doctor_storage") as url, StorageStandin(url) as standin:
        yield standin, url


def test_supabase_bucket_key_and_cursor(storage_standin):
    standin, db_url = storage_standin
    env = {"POD_STORAGE": "supabase", "SUPABASE_URL": standin.url,
           "SUPABASE_SERVICE_ROLE_KEY": standin.service_role_key, "SUPABASE_DB_URL": db_url}
    found = doctor(env, "storage")["storage"]
    assert found.status == "ok" and "service key accepted" in found.found and "storage.objects readable" in found.found

    other = StorageStandin(db_url, create_schema=False)  # another project's key: its own JWT secret
    found = doctor({**env, "SUPABASE_SERVICE_ROLE_KEY": other.service_role_key}, "storage")["storage"]
    assert found.status == "fail" and "SUPABASE_SERVICE_ROLE_KEY" in found.fix
    assert other.service_role_key not in found.found

    found = doctor({**env, "SUPABASE_BUCKET": "no-such-bucket"}, "storage")["storage"]
    assert found.status == "fail" and "'no-such-bucket' does not exist" in found.found
    assert "SUPABASE_BUCKET" in found.fix


# -- configuration -----------------------------------------------------------------------------------
def test_every_invalid_variable_is_named_and_dependent_checks_skip(tmp_path):
    env = {"POD_STORAGE": "s3", "POD_CATALOG_URL": "mysql://db/catalog", "POD_SENSOR_MAX_UPLOADS": "lots"}
    found = doctor(env, "configuration", "storage", "catalog")
    assert found["configuration"].status == "fail"
    for variable in ("POD_STORAGE", "POD_CATALOG_URL", "POD_SENSOR_MAX_UPLOADS"):
        assert variable in found["configuration"].found
    assert found["storage"].status == "skip" and "see configuration" in found["storage"].found
    assert found["catalog"].status == "skip"


def test_production_names_missing_variables_and_gelato_still_reports(tmp_path):
    found = doctor({"POD_MODE": "production", "POD_CATALOG_URL": "mysql://broken"}, "configuration", "gelato")
    assert "POD_CATALOG_URL" in found["configuration"].found
    assert found["gelato"].status == "fail" and "GELATO_API_KEY" in found["gelato"].found


def test_an_invalid_settings_file_names_the_field(tmp_path):
    path = settings_file(tmp_path, store_id="")
    found = doctor({"POD_SETTINGS": path}, "settings", "gelato")
    assert found["settings"].status == "fail" and "store_id" in found["settings"].found
    assert "validate-settings" in found["settings"].fix
    assert found["gelato"].status == "skip"


def test_webhook_secret_and_sentry_dsn():
    production = {"POD_MODE": "production"}
    found = doctor(production, "webhook secret", "sentry")
    assert found["webhook secret"].status == "fail" and "GELATO_WEBHOOK_SECRET" in found["webhook secret"].fix
    assert found["sentry"].status == "skip"
    secret = "s3cr3t-webhook-value-0123456789"
    dsn = "https://abcdef0123456789@o1.ingest.sentry.io/42"
    found = doctor({**production, "GELATO_WEBHOOK_SECRET": secret, "SENTRY_DSN": dsn}, "webhook secret", "sentry")
    assert found["webhook secret"].status == "ok" and found["sentry"].status == "ok"
    assert "project 42 on o1.ingest.sentry.io" in found["sentry"].found
    found = doctor({"SENTRY_DSN": "o1.ingest.sentry.io/42"}, "sentry")["sentry"]
    assert found.status == "fail" and "SENTRY_DSN" in found.found


# -- Dagster -----------------------------------------------------------------------------------------
def test_dagster_instances(tmp_path, monkeypatch, demo_env):
    assert doctor(demo_env, "dagster")["dagster"].status == "ok"  # embedded, SQLite, demo
    found = doctor({**demo_env, "POD_MODE": "production"}, "dagster")["dagster"]
    assert found.status == "fail" and "SQLite" in found.found

    home = tmp_path / "production"
    home.mkdir()
    shutil.copy(ROOT / "deploy/postgres/dagster.yaml", home / "dagster.yaml")
    env = {"POD_MODE": "production", "DAGSTER_HOME": str(home)}
    found = doctor(env, "dagster")["dagster"]
    assert found.status == "fail" and "DAGSTER_PG_URL, which is not set" in found.found
    unreachable = "postgresql://postgres:DagsterPassword99@127.0.0.1:5432/pod_doctor_no_such_db"
    found = doctor({**env, "DAGSTER_PG_URL": unreachable}, "dagster")["dagster"]
    assert found.status == "fail" and "DAGSTER_PG_URL" in found.found and "DagsterPassword99" not in found.found
    with temporary_database(prefix="pod_doctor_dagster") as url:
        env["DAGSTER_PG_URL"] = url
        found = doctor(env, "dagster")["dagster"]
        assert found.status == "warn" and "no Dagster tables yet" in found.found  # and the doctor made none
        assert "no Dagster tables yet" in doctor(env, "dagster")["dagster"].found
        monkeypatch.setenv("DAGSTER_PG_URL", url)  # Dagster reads its yaml's variables itself
        DagsterInstance.from_config(str(home)).dispose()  # what the daemon does on its first start
        found = doctor(env, "dagster")["dagster"]
    # No daemon has beaten yet: reachable, on Postgres, but sensors are not ticking.
    assert found.status == "warn" and "on Postgres" in found.found and "dagster-daemon run" in found.fix


# -- Anthropic ---------------------------------------------------------------------------------------
class FakeModelsAPI:
    """Anthropic's Models API shape on loopback (GET /v1/models/{id}); 401 unless the key is the
    good one (Bearer, as SDK 2.x sends it, or X-Api-Key)."""

    def __init__(self, models=("claude-haiku-5-5", "claude-sonnet-5-5")):
        self.models, self.requests = set(models), []
        app = Starlette(routes=[Route("/v1/models/{model_id:path}", self.model, methods=["GET"])])
        self.server = BackgroundServer(app, name="fake-anthropic-models")

    async def model(self, request: Request) -> JSONResponse:
        self.requests.append(dict(request.headers))
        key = request.headers.get("authorization", "").removeprefix("Bearer ") or request.headers.get("x-api-key")
        if key != GOOD_ANTHROPIC_KEY:
            return self.error(401, "authentication_error", "invalid x-api-key")
        model_id = request.path_params["model_id"]
        if model_id not in self.models:
            return self.error(404, "not_found_error", f"model: {model_id}")
        return JSONResponse({"type": "model", "id": model_id, "display_name": model_id, "lifecycle": "active",
                             "created_at": "2026-05-01T00:00:00Z", "deprecated_at": None, "retires_at": None},
                            headers={"request-id": "req_ok"})

    @staticmethod
    def error(status, kind, message):
        return JSONResponse({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_1"},
                            status_code=status, headers={"request-id": "req_1"})


@pytest.fixture
def fake_anthropic():
    fake = FakeModelsAPI()
    with fake.server:
        yield fake


def test_anthropic_key_is_checked_when_the_copywriter_is_claude(fake_anthropic, tmp_path):
    env = {"POD_COPYWRITER": "claude", "ANTHROPIC_API_KEY": GOOD_ANTHROPIC_KEY,
           "ANTHROPIC_BASE_URL": fake_anthropic.server.base_url}
    found = doctor(env, "anthropic")["anthropic"]
    assert found.status == "ok" and "model claude-haiku-5-5 available" in found.found and "…cdef" in found.found

    bad = "sk-ant-wrong-0123456789zzzz"
    found = doctor({**env, "ANTHROPIC_API_KEY": bad}, "anthropic")["anthropic"]
    assert found.status == "fail" and "ANTHROPIC_API_KEY" in found.fix
    assert bad not in found.found + found.fix
    assert fake_anthropic.requests[-1]["authorization"] == f"Bearer {bad}"  # the key really went out

    retired = settings_file(tmp_path, copywriter={"kind": "claude", "demo_model": "claude-3-haiku-20240307"})
    found = doctor({**env, "POD_SETTINGS": retired}, "anthropic")["anthropic"]
    assert found.status == "fail" and "claude-3-haiku-20240307" in found.found

    found = doctor({"POD_COPYWRITER": "offline"}, "anthropic")["anthropic"]
    assert found.status == "skip" and "offline" in found.found


# -- the runner, the command line, secrets -------------------------------------------------------------
def test_a_hung_or_crashing_check_never_stops_the_others():
    ctx = DoctorContext({"GELATO_API_KEY": "leaky-key-0123456789abcd"}, timeout_seconds=1)
    checks = [Check("hangs", lambda ctx: time.sleep(30)), Check("crashes", lambda ctx: 1 / 0),
              Check("leaks", lambda ctx: fail(f"the key is {ctx.env['GELATO_API_KEY']}", "none")),
              Check("fine", lambda ctx: ok("all good"))]
    started = time.monotonic()
    results = run_checks(checks, ctx, deadline_seconds=0.5)
    assert time.monotonic() - started < 3
    assert [r.status for r in results] == ["fail", "fail", "fail", "ok"]
    assert "no answer within 0.5 s" in results[0].found
    assert "ZeroDivisionError" in results[1].found
    assert results[2].found == "the key is [Filtered]"


@pytest.fixture
def clean_environ(monkeypatch):
    """The process environment without any variable the doctor reads (CI may set some)."""
    for name in list(os.environ):
        if name.startswith(("POD_", "GELATO_", "SUPABASE_", "ANTHROPIC_", "SENTRY_", "DAGSTER_")) \
                or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    return monkeypatch


def test_cli_exit_codes_and_json_shape(demo_env, clean_environ, capsys):
    for name, value in demo_env.items():
        clean_environ.setenv(name, value)
    assert main(["doctor", "--timeout", "5"]) == 0
    text = capsys.readouterr().out
    assert "pod-pipeline doctor (POD_MODE=demo)" in text and "\n0 failed," in text

    assert main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["mode"] == "demo"
    assert [c["name"] for c in report["checks"]] == list(CHECK_NAMES)
    assert set(report["checks"][0]) == {"name", "status", "found", "fix", "seconds"}
    assert report["summary"]["fail"] == 0 and sum(report["summary"].values()) == len(CHECK_NAMES)

    clean_environ.setenv("GELATO_API_KEY", "not-the-sandbox-key-0000")
    assert main(["doctor", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert {c["name"] for c in report["checks"] if c["status"] == "fail"} == {"gelato", "gelato templates"}


def test_no_secret_value_is_ever_printed(tmp_path, fake_anthropic):
    secrets = {
        "GELATO_API_KEY": "gelato-secret-key-AAAA1111BBBB2222",
        "SUPABASE_SERVICE_ROLE_KEY": "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.SupabaseSignature0123456789",
        "ANTHROPIC_API_KEY": "sk-ant-secret-CCCC3333DDDD4444",
        "GELATO_WEBHOOK_SECRET": "webhook-secret-EEEE5555FFFF6666",
    }
    passwords = ["CatalogPw-777777", "SupabaseDbPw-888888", "DagsterPw-999999"]
    env = {
        **secrets, "POD_MODE": "production", "POD_STORAGE": "supabase", "POD_COPYWRITER": "claude",
        "SUPABASE_URL": closed_port_url(), "ANTHROPIC_BASE_URL": fake_anthropic.server.base_url,
        "GELATO_ECOMMERCE_URL": closed_port_url() + "/v1",
        "POD_CATALOG_URL": f"postgresql://postgres:{passwords[0]}@127.0.0.1:5432/pod_doctor_nope",
        "SUPABASE_DB_URL": f"postgresql://postgres:{passwords[1]}@127.0.0.1:5432/pod_doctor_nope",
        "DAGSTER_PG_URL": f"host=127.0.0.1 dbname=pod_doctor_nope user=postgres password={passwords[2]}",
        "SENTRY_DSN": "https://SentryPublicKey0123@o1.ingest.sentry.io/not-a-number",
        "DAGSTER_HOME": str(tmp_path), "POD_BUCKET_DIR": str(tmp_path),
    }
    shutil.copy(ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    done = subprocess.run([sys.executable, "-m", "pod_pipeline.tools.cli", "doctor", "--timeout", "3"],
                          env={"PATH": "/usr/bin:/bin", **env}, cwd=ROOT, capture_output=True, text=True, timeout=120)
    done_json = subprocess.run([sys.executable, "-m", "pod_pipeline.tools.cli", "doctor", "--json", "--timeout", "3"],
                               env={"PATH": "/usr/bin:/bin", **env}, cwd=ROOT, capture_output=True, text=True,
                               timeout=120)
    assert done.returncode == 1 and done_json.returncode == 1
    output = done.stdout + done.stderr + done_json.stdout + done_json.stderr
    assert "FAIL" in done.stdout and json.loads(done_json.stdout)["ok"] is False
    for value in [*secrets.values(), *passwords, "SupabaseSignature0123456789", "SentryPublicKey0123"]:
        assert value not in output, value


def test_storefront_credentials_are_checked_by_name_never_shown(tmp_path):
    """Issue 16: the store's marketplace credentials, named in the settings, must be set; the
    doctor names the unset variables and shows at most a hint of the set ones."""
    import yaml as _yaml

    from pod_pipeline.settings.loading import DEFAULT_SETTINGS_PATH
    from pod_pipeline.tools.doctor.configuration import check_storefront
    from pod_pipeline.tools.doctor.context import DoctorContext

    raw = _yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    raw["stores"] = [{"name": "shop", "gelato_store_id": raw.pop("store_id"), "marketplace": "shopify",
                      "credentials": {"shop_url": "MY_SHOP_URL", "access_token": "MY_SHOP_TOKEN"}}]
    settings = tmp_path / "settings.yaml"
    settings.write_text(_yaml.safe_dump(raw))
    base = {"POD_MODE": "demo", "POD_SETTINGS": str(settings)}
    missing = check_storefront(DoctorContext({**base, "MY_SHOP_URL": "https://x.myshopify.com"}))
    assert missing.status == "fail" and "MY_SHOP_TOKEN not set" in missing.found
    token = "shpat_0123456789abcdef0123456789"
    found = check_storefront(DoctorContext({**base, "MY_SHOP_URL": "https://x.myshopify.com", "MY_SHOP_TOKEN": token}))
    assert found.status == "ok" and token not in found.found and "MY_SHOP_TOKEN" in found.found
    legacy = {"POD_SETTINGS": str(DEFAULT_SETTINGS_PATH)}
    assert check_storefront(DoctorContext({**legacy, "POD_MODE": "demo"})).status == "ok"
    assert check_storefront(DoctorContext({**legacy, "POD_MODE": "production"})).status == "warn"
