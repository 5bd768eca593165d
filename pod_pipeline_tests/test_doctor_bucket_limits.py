"""`pod-pipeline doctor` reads the Supabase bucket's own settings (storage.buckets
`allowed_mime_types`, `file_size_limit`, `public`) and says what they do to the pipeline."""

from __future__ import annotations

import pytest

from pod_pipeline.tools.doctor import run_doctor
from pod_pipeline.tools.storage_standin import StorageStandin, temporary_database
from pod_pipeline_tests.storage.conftest import sql

MIB = 1024 * 1024


def doctor(env, *names):
    results, _ = run_doctor(env, only=names, timeout_seconds=5.0)
    return {r.name: r for r in results}


@pytest.fixture
def supabase_env():
    with temporary_database(prefix="pod_doctor_storage") as url, StorageStandin(url) as standin:
        yield url, {"POD_STORAGE": "supabase", "SUPABASE_URL": standin.url,
                    "SUPABASE_SERVICE_ROLE_KEY": standin.service_role_key, "SUPABASE_DB_URL": url}


def set_bucket(url, **columns):
    assignments = ", ".join(f"{name} = %s" for name in columns)
    sql(url, f"update storage.buckets set {assignments} where id = 'artwork'", tuple(columns.values()))


def test_the_doctor_reports_the_buckets_type_and_size_limits(supabase_env):
    url, env = supabase_env
    found = doctor(env, "storage")["storage"]
    assert found.status == "ok" and "allowed_mime_types any, file_size_limit none" in found.found

    set_bucket(url, allowed_mime_types=["image/png", "image/jpeg"], file_size_limit=200 * MIB)
    found = doctor(env, "storage")["storage"]
    assert found.status == "ok" and "allowed_mime_types image/png, image/jpeg" in found.found
    set_bucket(url, allowed_mime_types=["image/*"])
    assert doctor(env, "storage")["storage"].status == "ok"

    # The pipeline writes its previews as JPEG: a PNG-only bucket refuses them and nothing publishes.
    set_bucket(url, allowed_mime_types=["image/png"])
    found = doctor(env, "storage")["storage"]
    assert found.status == "fail" and "refuses image/jpeg" in found.found
    assert "allowed_mime_types = '{image/png,image/jpeg}'" in found.fix

    set_bucket(url, allowed_mime_types=None, file_size_limit=10 * MIB)
    found = doctor(env, "storage")["storage"]
    assert found.status == "warn" and "below print.max_file_bytes" in found.found
    assert f"file_size_limit = {200 * MIB}" in found.fix

    set_bucket(url, file_size_limit=None, public=True)
    found = doctor(env, "storage")["storage"]
    assert found.status == "warn" and "public" in found.found and "private" in found.fix
