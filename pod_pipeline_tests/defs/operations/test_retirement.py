"""Partition retirement: rejected and failed artworks untouched for a month lose their `artworks`
partition (Dagster's 100,000-per-asset advice), never a published one, never one a run is working
on; catalog rows stay, and a later upload of the same file is published as new."""

from datetime import timedelta

import pytest
from dagster import (AssetMaterialization, DagsterInstance, DagsterRun, DagsterRunStatus, SensorResult, SkipReason,
                     build_sensor_context)

from pod_pipeline.catalog.rows import ArtworkRow, now
from pod_pipeline.defs.dagster_private import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from pod_pipeline.defs.operations.retirement import partition_retirement_sensor
from pod_pipeline.defs.publishing.upload_sensor import upload_sensor
from pod_pipeline.defs.resources import (CatalogResource, LocalStorageResource, PartitionRetirementResource,
                                         UploadBatchingResource)
from pod_pipeline.storage.base import artwork_id_for

from pod_pipeline_tests.catalog.funnel_seed import set_times
from pod_pipeline.defs.runs import RunMode

AGES = {"old-rejected.png": ("rejected", 40), "old-failed.png": ("failed", 40), "old-published.png": ("published", 400),
        "busy-rejected.png": ("rejected", 35), "new-rejected.png": ("rejected", 2)}


@pytest.fixture
def shop(tmp_path):
    """A bucket of five uploads, each a partition, and the catalog as their runs left it."""
    with DagsterInstance.ephemeral() as instance:
        bucket, catalog = tmp_path / "bucket", CatalogResource(url=f"sqlite:///{tmp_path / 'catalog.db'}")
        for name in AGES:
            (bucket / "user-1").mkdir(parents=True, exist_ok=True)
            (bucket / "user-1" / name).write_bytes(b"png " + name.encode())
        for key in ("templates", "base_costs"):
            instance.report_runless_asset_event(AssetMaterialization(key))
        result = upload(instance, bucket, catalog)
        instance.add_dynamic_partitions("artworks", list(result.dynamic_partitions_requests[0].partition_keys))
        db, at = catalog.open(), now()
        for name, (status, days) in AGES.items():
            key = artwork_id_for(f"user-1/{name}")
            db.upsert_artwork(ArtworkRow(id=key, user_id="user-1", path=f"user-1/{name}", version="v1", status=status))
            set_times(db, key, updated_at=at - timedelta(days=days))
        yield instance, bucket, catalog, result.cursor


def upload(instance, bucket, catalog, cursor=None):
    context = build_sensor_context(instance=instance, cursor=cursor, resources={
        "storage": LocalStorageResource(local_root=str(bucket)), "catalog": catalog,
        "batching": UploadBatchingResource()})
    return upload_sensor(RunMode("demo"))(context)


def retire(instance, catalog, cursor=None, days=30):
    context = build_sensor_context(instance=instance, cursor=cursor, resources={
        "catalog": catalog, "retirement": PartitionRetirementResource(retire_after_days=days)})
    result = partition_retirement_sensor(RunMode("demo"))(context)
    if isinstance(result, SensorResult):
        for request in result.dynamic_partitions_requests:
            for key in request.partition_keys:
                instance.delete_dynamic_partition("artworks", key)
    return result


def key(name):
    return artwork_id_for(f"user-1/{name}")


def retired(result) -> set[str]:
    if not isinstance(result, SensorResult):
        return set()
    return {k for request in result.dynamic_partitions_requests for k in request.partition_keys}


def test_settled_artworks_are_retired_once_and_the_rest_kept(shop):
    instance, bucket, catalog, _ = shop
    busy = instance.add_run(DagsterRun(job_name="publish_artwork", run_id="busy",
                                       tags={"dagster/partition": key("busy-rejected.png")},
                                       status=DagsterRunStatus.NOT_STARTED))
    first = retire(instance, catalog)
    assert retired(first) == {key("old-rejected.png"), key("old-failed.png")}
    partitions = set(instance.get_dynamic_partitions("artworks"))
    assert {key("old-published.png"), key("busy-rejected.png"), key("new-rejected.png")} <= partitions
    assert key("old-rejected.png") not in partitions
    # The catalog keeps them, as the seller's history.
    assert catalog.open().get_artwork(key("old-rejected.png")).status == "rejected"

    # The queued run holds its artwork back; the cursor waits before it.
    second = retire(instance, catalog, first.cursor)
    assert retired(second) == set() and second.cursor == first.cursor
    instance.report_run_canceled(busy)
    third = retire(instance, catalog, second.cursor)
    assert retired(third) == {key("busy-rejected.png")}
    # Looked at once: a later tick has nothing left, however often it runs.
    assert isinstance(retire(instance, catalog, third.cursor), SkipReason)


def test_a_retired_artwork_uploaded_again_is_published_as_new(shop):
    instance, bucket, catalog, cursor = shop
    assert key("old-rejected.png") in retired(retire(instance, catalog))
    (bucket / "user-1" / "old-rejected.png").write_bytes(b"png, fixed and uploaded again")
    again = upload(instance, bucket, catalog, cursor)
    assert list(again.dynamic_partitions_requests[0].partition_keys) == [key("old-rejected.png")]
    assert [r.partition_key for r in again.run_requests] == [key("old-rejected.png")]


def test_nothing_is_retired_while_a_range_run_is_in_flight(shop):
    instance, _, catalog, _ = shop
    instance.add_run(DagsterRun(job_name="reprice", run_id="range", status=DagsterRunStatus.STARTED, tags={
        ASSET_PARTITION_RANGE_START_TAG: key("old-rejected.png"), ASSET_PARTITION_RANGE_END_TAG: key("new-rejected.png")}))
    result = retire(instance, catalog)
    assert isinstance(result, SkipReason) and "range run" in result.skip_message
    assert key("old-rejected.png") in instance.get_dynamic_partitions("artworks")


def test_a_longer_setting_keeps_them_longer(shop):
    instance, _, catalog, _ = shop
    assert isinstance(retire(instance, catalog, days=60), SkipReason)
    assert len(instance.get_dynamic_partitions("artworks")) == len(AGES)


@pytest.mark.parametrize("cursor", ["not json", '["yesterday", "x"]', "[1]", '{"a": 1}', "\x00" * 5])
def test_a_hand_edited_cursor_starts_over_and_retires_the_same(shop, cursor):
    instance, _, catalog, _ = shop
    assert retired(retire(instance, catalog, cursor)) == {key("old-rejected.png"), key("old-failed.png"),
                                                          key("busy-rejected.png")}


def test_a_cursor_set_past_the_cutoff_starts_over_instead_of_stopping_the_walk_for_good(shop):
    instance, _, catalog, _ = shop
    future = '["2999-01-01T00:00:00+00:00", "zzz"]'
    assert retired(retire(instance, catalog, future)) == {key("old-rejected.png"), key("old-failed.png"),
                                                          key("busy-rejected.png")}


@pytest.mark.parametrize("days", ["0", "-3", "ten", "3651", "1e3"])
def test_a_bad_retirement_setting_is_refused_with_its_name(days):
    from pod_pipeline.defs.environment import ConfigurationError, retirement_resource

    with pytest.raises(ConfigurationError, match="POD_RETIRE_AFTER_DAYS"):
        retirement_resource({"POD_RETIRE_AFTER_DAYS": days})


def test_a_batch_in_flight_holds_only_its_own_artworks_and_the_rest_retire(shop):
    # A re-upload of a retirable artwork sits in a queued batch: that one waits, the others go, and
    # the cursor stays before it so it is looked at again.
    instance, _, catalog, _ = shop
    instance.add_run(DagsterRun(
        job_name="publish_artwork", run_id="batch", status=DagsterRunStatus.STARTED,
        tags={ASSET_PARTITION_RANGE_START_TAG: key("old-rejected.png"), ASSET_PARTITION_RANGE_END_TAG: key("old-rejected.png")},
        run_config={"ops": {"artworks": {"config": {"paths": {key("old-rejected.png"): "user-1/old-rejected.png"}}}}}))
    first = retire(instance, catalog)
    assert retired(first) == {key("old-failed.png"), key("busy-rejected.png")}
    assert key("old-rejected.png") in instance.get_dynamic_partitions("artworks")
    instance.report_run_canceled(instance.get_run_by_id("batch"))
    assert retired(retire(instance, catalog, first.cursor)) == {key("old-rejected.png")}


def test_a_requested_backfill_holds_the_retirement(shop, monkeypatch):
    instance, _, catalog, _ = shop
    monkeypatch.setattr(type(instance), "get_backfills", lambda self, filters=None, limit=None, **kw: ["a backfill"])
    result = retire(instance, catalog)
    assert isinstance(result, SkipReason) and "backfill" in result.skip_message
