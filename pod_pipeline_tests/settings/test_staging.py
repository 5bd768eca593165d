"""Staging (issue 18, item 5): POD_MODE=staging runs production's code paths against the
staging twin of every store, and can never reach a production store."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from dagster import AssetKey, instance_for_test
from pydantic import ValidationError

from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.definitions import build_definitions
from pod_pipeline.defs.environment import bucket_and_database, build_resources, check_staging_places
from pod_pipeline.gelato.client import GelatoClient, RefusedStore
from pod_pipeline.settings import DEFAULT_SETTINGS_PATH, SellerSettings, load_settings
from pod_pipeline.settings.mode import ConfigurationError, current_mode
from pod_pipeline.tools.sensor_driver import SensorDriver, follow_until_settled
from pod_pipeline_tests.conftest import poster_only_settings
from pod_pipeline_tests.test_pipeline_flow import OWNER, gradient_jpeg, run_until_quiet

PRODUCTION_STORE = "6d1c9a3e-4f2b-4b8a-9e7d-0a5c3b2f1e84"  # the bundled settings' store
STAGING_STORE = "9a7c4e21-3b6d-4f80-a2c5-1e8d7f0b6c93"  # the sandbox's second store


def seller(**staging) -> SellerSettings:
    raw = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    if staging:
        raw["staging"] = staging
    return SellerSettings.model_validate(raw)


def test_staged_settings_swap_every_store_for_its_twin():
    staged = seller(stores={"main": STAGING_STORE}).staged()
    assert [s.gelato_store_id for s in staged.all_stores()] == [STAGING_STORE] and staged.store_id == STAGING_STORE
    several = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    several.pop("store_id")
    several["stores"] = [{"name": "etsy", "gelato_store_id": "prod-etsy", "marketplace": "etsy"},
                         {"name": "shop", "gelato_store_id": "prod-shop", "marketplace": "shopify"}]
    several["staging"] = {"stores": {"etsy": "stage-etsy", "shop": "stage-shop"}}
    staged = SellerSettings.model_validate(several).staged()
    assert {s.name: s.gelato_store_id for s in staged.all_stores()} == {"etsy": "stage-etsy", "shop": "stage-shop"}


@pytest.mark.parametrize("staging, says", [
    ({"stores": {"main": PRODUCTION_STORE}}, "production store id"),   # staging pointed at production
    ({"stores": {"main": f" {PRODUCTION_STORE} "}}, "production store id"),  # ... with spaces around it
    ({"stores": {"other": STAGING_STORE}}, "not a store of these settings"),
    ({"stores": {}}, "at least 1"),
    ({"stores": {"main": ""}}, "empty"),
    ({"stores": {"main": STAGING_STORE, "main ": STAGING_STORE}}, "not a store|share"),
    ({"stores": {"main": STAGING_STORE}, "surprise": 1}, "Extra inputs"),
])
def test_hostile_staging_sections_are_refused_with_a_reason(staging, says):
    with pytest.raises(ValueError, match=says):
        seller(**staging)


def test_staging_mode_is_named_and_a_mistyped_mode_is_refused():
    assert "STAGING" in current_mode({"POD_MODE": "Staging "}).description
    with pytest.raises(ConfigurationError, match="'demo', 'staging' or 'production'"):
        current_mode({"POD_MODE": "stage"})


def staging_env(tmp_path: Path, sandbox_url: str, bucket: dict, **staging) -> dict:
    settings = yaml.safe_load(Path(poster_only_settings(tmp_path)).read_text())
    if staging:
        # Staging's own bucket and catalog database, named: the ones this environment points at.
        names = dict(zip(("bucket", "catalog_database"), bucket_and_database({"POD_STORAGE": "local", **bucket})))
        settings["staging"] = {**names, **staging}
    path = tmp_path / "staging-settings.yaml"
    path.write_text(yaml.safe_dump(settings))
    return {"POD_MODE": "staging", "POD_SETTINGS": str(path), "GELATO_API_KEY": "sandbox-key",
            "GELATO_ECOMMERCE_URL": f"{sandbox_url}/v1", "GELATO_PRODUCT_URL": f"{sandbox_url}/v3",
            "POD_STORAGE": "local", "POD_COPYWRITER": "offline", **bucket}


def test_staging_without_a_staging_section_does_not_start(tmp_path, pipeline_env):
    bucket = {k: pipeline_env[k] for k in ("POD_BUCKET_DIR", "POD_BUCKET_URL", "POD_CATALOG_URL")}
    env = staging_env(tmp_path, "http://127.0.0.1:9", bucket)
    with pytest.raises(ConfigurationError, match="POD_MODE=staging: .*staging: section"):
        build_resources(env)
    missing = {k: v for k, v in staging_env(tmp_path, "http://127.0.0.1:9", bucket,
                                            stores={"main": STAGING_STORE}).items() if k != "POD_COPYWRITER"}
    with pytest.raises(ConfigurationError, match="POD_MODE=staging needs POD_COPYWRITER"):
        build_resources(missing)


def test_a_staging_client_never_sends_a_request_naming_a_production_store():
    sent = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200, json={"products": []}))
    with GelatoClient("key", transport=transport, refused_store_ids=[PRODUCTION_STORE]) as client:
        for call in (lambda: client.get_product(PRODUCTION_STORE, "p1"), lambda: list(client.iter_products(PRODUCTION_STORE)),
                     lambda: client.delete_product(PRODUCTION_STORE, "p1")):
            with pytest.raises(RefusedStore, match="production store"):
                call()
        assert sent == []
        assert list(client.iter_products(STAGING_STORE)) == [] and len(sent) == 1


def test_a_staging_run_publishes_to_the_staging_store_only_and_says_so(tmp_path, pipeline_env, gelato_sandbox):
    """The real-service code paths (POD_MODE=staging: no sandbox defaults) against the sandbox as
    if it were Gelato: products land in the staging store, none in production's; every run
    carries pod/mode=staging and names staging's bucket and catalog database."""
    bucket = {k: pipeline_env[k] for k in ("POD_BUCKET_DIR", "POD_BUCKET_URL", "POD_CATALOG_URL")}
    env = staging_env(tmp_path, gelato_sandbox.base_url, bucket, stores={"main": STAGING_STORE})
    resources = build_resources(env)
    assert resources["gelato"].refused_store_ids == [PRODUCTION_STORE]
    folder = Path(env["POD_BUCKET_DIR"]) / OWNER
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
    with instance_for_test() as instance:
        defs = build_definitions(env)
        run_until_quiet(SensorDriver(defs, instance, "upload_sensor"))
        follow_until_settled(defs, instance, timeout_seconds=30)
        runs = instance.get_runs()
        assert runs and all(run.tags.get("pod/mode") == "staging" for run in runs)
        places = load_settings(env["POD_SETTINGS"]).staging
        assert {(run.tags.get("pod/bucket"), run.tags.get("pod/catalog")) for run in runs} == {
            (places.bucket, places.catalog_database)}
        assert instance.get_latest_materialization_event(AssetKey("published_products")) is not None
    stores = {p.store_id for p in gelato_sandbox.state.products.values()}
    assert stores == {STAGING_STORE}
    catalog = SqliteCatalog(env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
    assert [p.status for p in catalog.products_in_store()] == ["active"]


def test_staging_runs_only_on_the_bucket_and_catalog_database_its_settings_name(tmp_path, pipeline_env):
    bucket = {k: pipeline_env[k] for k in ("POD_BUCKET_DIR", "POD_BUCKET_URL", "POD_CATALOG_URL")}
    env = staging_env(tmp_path, "http://127.0.0.1:9", bucket, stores={"main": STAGING_STORE})
    assert build_resources(env)["gelato"].refused_store_ids == [PRODUCTION_STORE]
    # Pointed at another bucket or catalog (production's, say): it does not start, and says which.
    elsewhere = {**env, "POD_BUCKET_DIR": str(tmp_path / "production-bucket")}
    with pytest.raises(ConfigurationError, match="production-bucket'"):
        build_resources(elsewhere)
    other_catalog = {**env, "POD_CATALOG_URL": "postgresql://pod@db.example/postgres"}
    with pytest.raises(ConfigurationError, match="catalog database 'db.example:5432/postgres'"):
        build_resources(other_catalog)
    # A staging section without them is not enough under POD_MODE=staging.
    unnamed = staging_env(tmp_path, "http://127.0.0.1:9", bucket, stores={"main": STAGING_STORE})
    settings = yaml.safe_load(Path(unnamed["POD_SETTINGS"]).read_text())
    del settings["staging"]["bucket"]
    Path(unnamed["POD_SETTINGS"]).write_text(yaml.safe_dump(settings))
    with pytest.raises(ConfigurationError, match="must name staging's own bucket and catalog_database"):
        build_resources(unnamed)


def test_production_refuses_staging_s_bucket_and_catalog(tmp_path, pipeline_env):
    bucket = {k: pipeline_env[k] for k in ("POD_BUCKET_DIR", "POD_BUCKET_URL", "POD_CATALOG_URL")}
    env = {**staging_env(tmp_path, "http://127.0.0.1:9", bucket, stores={"main": STAGING_STORE}),
           "POD_MODE": "production"}
    with pytest.raises(ConfigurationError, match="production never writes into staging"):
        build_resources(env)


@pytest.mark.parametrize("field, value", [("bucket", ""), ("catalog_database", ""), ("bucket", 3)])
def test_hostile_staging_places_are_refused(field, value):
    with pytest.raises(ValidationError):
        seller(stores={"main": STAGING_STORE}, **{field: value})


def test_two_supabase_projects_with_the_same_names_are_told_apart(tmp_path):
    """Staging in a second Supabase project: its database is `postgres` and its bucket `artwork`
    too; production on the first project starts, and only staging's own project is refused."""
    settings = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    settings["staging"] = {"stores": {"main": STAGING_STORE}, "bucket": "staging-ref.supabase.co/artwork",
                           "catalog_database": "db.staging-ref.supabase.co:5432/postgres"}
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(settings))
    production = {"POD_STORAGE": "supabase", "SUPABASE_URL": "https://prod-ref.supabase.co",
                  "POD_CATALOG_URL": "postgresql://postgres:pw@db.prod-ref.supabase.co:5432/postgres"}
    check_staging_places({**production, "POD_SETTINGS": str(path)}, "production")  # starts
    with pytest.raises(ConfigurationError, match="never writes into staging"):
        check_staging_places({**production, "SUPABASE_URL": "https://staging-ref.supabase.co",
                              "POD_SETTINGS": str(path)}, "production")
    with pytest.raises(ConfigurationError, match="never writes into staging"):
        check_staging_places({**production, "POD_SETTINGS": str(path), "POD_CATALOG_URL":
                              "postgresql://postgres:pw@db.staging-ref.supabase.co/postgres"}, "production")


def test_production_still_loads_on_an_unreadable_settings_file(tmp_path):
    broken = tmp_path / "settings.yaml"
    broken.write_text("stores: [not, a, mapping")
    check_staging_places({"POD_SETTINGS": str(broken)}, "production")  # warns; the UI shows the error later
    with pytest.raises(ConfigurationError, match="POD_MODE=staging"):
        check_staging_places({"POD_SETTINGS": str(broken)}, "staging")
