"""The top-level dagster.yaml is the production instance: built from the environment against
the local Postgres, it runs a real materialization (the Gelato cache, over HTTP to the sandbox)."""

import shutil
from pathlib import Path

import psycopg2
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from pod_pipeline.defs.gelato_cache.assets import base_costs, templates
from pod_pipeline.defs.environment import build_resources
from pod_pipeline.tools.storage_standin import temporary_database

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dagster_database():
    with temporary_database(prefix="pod_dagster") as url:
        yield url


def test_production_dagster_yaml_materializes_on_postgres(tmp_path, monkeypatch, dagster_database, pipeline_env):
    shutil.copy(ROOT / "deploy/postgres/dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_PG_URL", dagster_database)
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert instance.run_retries_enabled and not instance.run_retries_retry_on_asset_or_op_failure
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
        assert {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in limits
        result = materialize([templates, base_costs], instance=instance, resources=build_resources(pipeline_env))
        assert result.success
        assert instance.get_latest_materialization_event(AssetKey("base_costs")) is not None
    with psycopg2.connect(dagster_database) as db, db.cursor() as cursor:
        cursor.execute("select count(*) from event_logs where dagster_event_type = 'ASSET_MATERIALIZATION'")
        assert cursor.fetchone()[0] == 2
