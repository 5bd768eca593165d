"""Scheduled re-pricing end to end: schedule → cost refresh → range runs with run keys → prices
in the catalog, with the drift report, dry runs, and "nothing changed writes nothing"."""

from pathlib import Path

import pytest
import yaml
from datetime import datetime, timezone

from dagster import AssetCheckKey, AssetKey, AssetRecordsFilter, DagsterInstance, build_schedule_context

from pod_pipeline.tools.benchmarks.reprice import move_costs, run_repricing, seed
from pod_pipeline.definitions import build_definitions
from pod_pipeline.defs.runs import DRY_RUN_TAG, REPRICE_TAG
from pod_pipeline.pricing.price_sheet import write_price_sheets
from pod_pipeline.defs.repricing.triggers import range_requests
from pod_pipeline.settings.loading import DEFAULT_SETTINGS_PATH

ARTWORKS = 240


def test_range_requests_cover_every_key_once_with_run_keys():
    keys = [f"a{i:03d}" for i in range(25)]
    requests = range_requests(keys, "reprice-x", dry_run=False, size=10)
    assert [(r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
            for r in requests] == [("a000", "a009"), ("a010", "a019"), ("a020", "a024")]
    assert [r.run_key for r in requests] == ["reprice-x:a000..a009", "reprice-x:a010..a019", "reprice-x:a020..a024"]
    assert all(r.job_name == "reprice_prices" and r.tags[DRY_RUN_TAG] == "false" for r in requests)


@pytest.mark.parametrize("dry_run", [False, True])
def test_schedule_requests_the_cost_refresh_with_a_run_key(pipeline_env, tmp_path, dry_run):
    # Cron and dry run come from the settings of the environment the code location was built
    # for (its settings resource), never from this process's own POD_SETTINGS.
    settings = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    settings["pricing"]["repricing"] = {**settings["pricing"]["repricing"], "schedule": "0 3 * * 2", "dry_run": dry_run}
    (tmp_path / "reprice.yaml").write_text(yaml.safe_dump(settings))
    defs = build_definitions({**pipeline_env, "POD_SETTINGS": str(tmp_path / "reprice.yaml")})
    schedule = defs.resolve_schedule_def("reprice_schedule")
    when = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=when,
                                         resources={"settings": defs.resources["settings"]})
        requests = list(schedule.evaluate_tick(context).run_requests)
    assert schedule.job_name == "reprice_catalog" and schedule.cron_schedule == "0 3 * * 2"
    assert [(r.run_key, r.tags[REPRICE_TAG], r.tags[DRY_RUN_TAG]) for r in requests] == [
        ("reprice-2026-12-01T0300", "reprice-2026-12-01T0300", str(dry_run).lower())]


@pytest.fixture
def repricing(pipeline_env, gelato_sandbox, tmp_path):
    (tmp_path / "dagster").mkdir()
    defs = build_definitions(pipeline_env)
    instance = DagsterInstance.local_temp(str(tmp_path / "dagster"))
    keys, variants = seed(defs, instance, ARTWORKS)
    first = run_repricing(defs, instance)
    return defs, instance, keys, first


def latest_report(instance):
    """A range run's report: one observation of `prices` for the whole range."""
    return instance.fetch_observations(AssetKey("prices"), limit=1).records[0].asset_observation.metadata


def test_repricing_a_few_hundred_artworks_in_one_range_run(repricing, gelato_sandbox, tmp_path):
    defs, instance, keys, first = repricing
    assert first["range_runs"] == 1 and first["rows_written"] > 0
    db = defs.resources["catalog"].open()
    before = db.current_prices(keys).set_index(["artwork_id", "template_variant_id", "country"])["price"]

    # nothing moved: nothing written, no drift
    unchanged = run_repricing(defs, instance)
    assert unchanged["rows_written"] == 0
    assert latest_report(instance)["rows_changed"].value == 0
    figures = instance.get_latest_materialization_event(AssetKey("prices")).asset_materialization.metadata
    assert figures["rows_changed"].value == 0 and figures["rows_priced"].value > 0  # this artwork's own figures
    assert "rows_written" not in figures and "drift" not in figures  # the run's totals are the range's observation

    # Gelato raises 10% of its costs: only those rows change, all upwards, said why
    gelato_sandbox.reset_calls()
    moved_keys = move_costs(gelato_sandbox, defs)
    moved = run_repricing(defs, instance)
    calls = gelato_sandbox.call_counts()
    assert calls["GET /v3/products/{productUid}/prices"] == 45  # once per unique (product, country, currency)
    metadata = latest_report(instance)
    assert metadata["rows_changed"].value > 0 and metadata["prices_down"].value == 0
    assert moved["rows_written"] >= metadata["rows_changed"].value
    drift = metadata["drift"].value.records
    assert drift and all(r.data["reason"] == "cost moved" for r in drift)
    assert Path(metadata["drift_csv"].value).exists()
    after = db.current_prices(keys).set_index(["artwork_id", "template_variant_id", "country"])["price"]
    changed = (before != after.reindex(before.index))
    assert 0 < changed.mean() < 0.5 and moved_keys == 5
    # On each moved artwork's partition, its own moves: old → new price, as a seller reads them.
    moved_artwork = changed[changed].index[0][0]
    [record] = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey("prices"), asset_partitions=[moved_artwork]), limit=1).records
    own = record.asset_materialization.metadata
    assert own["rows_changed"].value > 0 and "prices" not in own  # a catalog-wide range: moves only
    rows = own["moved"].value.records
    assert rows and all(r.data["was"] and r.data["was"] != r.data["price"].split(" ")[0] for r in rows)

    # every artwork's checks ran on the range and passed
    for check in ("every_variant_priced", "prices_keep_margin_and_profit", "prices_follow_rounding"):
        record = instance.event_log_storage.get_asset_check_execution_history(
            AssetCheckKey(AssetKey("prices"), check), limit=1)[0]
        assert record.status.value == "SUCCEEDED", check

    sheets = write_price_sheets(db, "store-1", tmp_path / "sheets")
    assert sorted(p.name for p, _ in sheets) == ["prices-store-1-EUR.csv", "prices-store-1-GBP.csv",
                                                 "prices-store-1-USD.csv"]
    assert sum(rows for _, rows in sheets) == len(after)


def test_a_dry_run_reports_drift_and_writes_nothing(repricing, gelato_sandbox):
    defs, instance, keys, _ = repricing
    db = defs.resources["catalog"].open()
    before = db.current_prices(keys)
    last = instance.get_latest_materialization_event(AssetKey("prices")).run_id
    move_costs(gelato_sandbox, defs)
    dry = run_repricing(defs, instance, tags={DRY_RUN_TAG: "true"})
    assert dry["range_runs"] == 1 and dry["rows_written"] == 0
    assert db.current_prices(keys).equals(before)
    assert instance.get_latest_materialization_event(AssetKey("prices")).run_id == last
    metadata = latest_report(instance)
    assert metadata["dry_run"].value is True and metadata["rows_changed"].value > 0
