"""Configuration is read in one place, from the environment `build_definitions` is given: the
mode tag on every job and automation run, the upload sensor's batching, the storage kind's own
fields. The process's own environment never leaks in."""

from __future__ import annotations

import os

import pytest

from pod_pipeline.definitions import build_definitions
from pod_pipeline.defs.environment import batching_resource
from pod_pipeline.defs.resources import LocalStorageResource, SupabaseStorageResource
from pod_pipeline.settings.mode import DEV_BUCKET_DIR, ConfigurationError

PRODUCTION = {"POD_MODE": "production", "GELATO_API_KEY": "key-for-this-test", "POD_STORAGE": "local",
              "POD_CATALOG_URL": "sqlite:////tmp/pod-one-place.db", "POD_COPYWRITER": "offline"}


def test_runs_are_tagged_with_the_mode_of_the_environment_given(monkeypatch):
    monkeypatch.setenv("POD_MODE", "demo")  # the process says demo; the code location is built for production
    defs = build_definitions(PRODUCTION)
    jobs = [job for job in defs.resolve_all_job_defs() if not job.name.startswith("__")]
    assert {job.name for job in jobs} == {"publish_artwork", "refresh_gelato_cache", "reprice_catalog", "reprice_prices",
                                          "refresh_funnel", "push_storefront_prices"}
    assert {job.tags["pod/mode"] for job in jobs} == {"production"}
    assert defs.resolve_sensor_def("time_driven_assets").run_tags["pod/mode"] == "production"
    # Built for demo in the same process: its own objects, its own tags.
    demo = build_definitions({"POD_MODE": "demo"})
    assert demo.resolve_job_def("publish_artwork").tags["pod/mode"] == "demo"
    assert defs.resolve_job_def("publish_artwork").tags["pod/mode"] == "production"
    # ... and where its runs write, named on every run: bucket and catalog database (no credential).
    assert {(job.tags["pod/catalog"], job.tags["pod/bucket"]) for job in jobs} == {
        ("/tmp/pod-one-place.db", os.path.abspath(DEV_BUCKET_DIR))}
    other = build_definitions({**PRODUCTION, "POD_STORAGE": "supabase", "SUPABASE_URL": "https://abc.supabase.co",
                               "SUPABASE_SERVICE_ROLE_KEY": "k",
                               "POD_CATALOG_URL": "postgresql://pod:secret@db.example:6543/shop"})
    assert {k: v for k, v in other.resolve_job_def("publish_artwork").tags.items() if k != "pod/mode"} == {
        "pod/bucket": "abc.supabase.co/artwork", "pod/catalog": "db.example:6543/shop"}


def test_batching_comes_from_the_environment_given(monkeypatch):
    monkeypatch.setenv("POD_BATCH_SIZE", "3")
    batching = build_definitions({**PRODUCTION, "POD_BATCH_SIZE": "7", "POD_SENSOR_MAX_UPLOADS": "70"}).resources["batching"]
    assert (batching.batch_size, batching.uploads_per_tick) == (7, 70)
    assert (batching_resource({}).batch_size, batching_resource({}).uploads_per_tick) == (25, 50)


@pytest.mark.parametrize("name, value", [("POD_BATCH_SIZE", "0"), ("POD_BATCH_SIZE", "101"), ("POD_BATCH_SIZE", "ten"),
                                         ("POD_SENSOR_MAX_UPLOADS", "-5"), ("POD_SENSOR_MAX_UPLOADS", "1e9")])
def test_a_bad_batching_variable_is_named(name, value):
    with pytest.raises(ConfigurationError, match=name):
        build_definitions({**PRODUCTION, name: value})


def test_each_storage_kind_shows_only_its_own_fields():
    local = build_definitions(PRODUCTION).resources["storage"]
    assert isinstance(local, LocalStorageResource) and set(type(local).model_fields) == {"local_root", "public_base_url"}
    supabase = build_definitions({**PRODUCTION, "POD_STORAGE": "supabase", "SUPABASE_URL": "https://ref.supabase.co",
                                  "SUPABASE_SERVICE_ROLE_KEY": "service-key-0123456789"}).resources["storage"]
    assert isinstance(supabase, SupabaseStorageResource)
    assert "local_root" not in type(supabase).model_fields and supabase.bucket == "artwork"
