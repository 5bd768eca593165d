import pytest
from dagster import AssetMaterialization, DagsterInstance, SensorResult, SkipReason, build_sensor_context

from pod_pipeline.resources import StorageResource
from pod_pipeline.sensors import uploads
from pod_pipeline.sensors.uploads import upload_sensor


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as inst:
        yield inst


def cache_ready(instance):
    for key in ("templates", "base_costs"):
        instance.report_runless_asset_event(AssetMaterialization(key))


def tick(instance, bucket, cursor=None):
    context = build_sensor_context(instance=instance, cursor=cursor,
                                   resources={"storage": StorageResource(local_root=str(bucket))})
    return upload_sensor(context)


def upload(bucket, name, data=b"png"):
    path = bucket / "user-1" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_first_tick_fills_the_gelato_cache_before_any_artwork(instance, tmp_path):
    upload(tmp_path, "a.png")
    result = tick(instance, tmp_path)
    assert isinstance(result, SensorResult)
    assert [r.job_name for r in result.run_requests] == ["refresh_gelato_cache"]
    assert not result.dynamic_partitions_requests and result.cursor is None


def test_new_uploads_become_partitions_and_runs_once(instance, tmp_path):
    cache_ready(instance)
    upload(tmp_path, "a.png")
    upload(tmp_path, "b.png")
    first = tick(instance, tmp_path)
    keys = sorted(first.dynamic_partitions_requests[0].partition_keys)
    assert len(keys) == 2 and sorted(r.partition_key for r in first.run_requests) == keys
    assert all(r.tags["pod/upload_path"].startswith("user-1/") for r in first.run_requests)

    assert isinstance(tick(instance, tmp_path, first.cursor), SkipReason)

    # A re-delivered batch (cursor lost) asks for the same run keys, which Dagster deduplicates,
    # and adds no partition twice.
    instance.add_dynamic_partitions("artworks", keys)
    again = tick(instance, tmp_path, None)
    assert {r.run_key for r in again.run_requests} == {r.run_key for r in first.run_requests}
    assert not again.dynamic_partitions_requests


def test_work_per_tick_is_bounded(instance, tmp_path, monkeypatch):
    cache_ready(instance)
    monkeypatch.setattr(uploads, "MAX_UPLOADS_PER_TICK", 2)
    for i in range(5):
        upload(tmp_path, f"art-{i}.png")
    seen, cursor = [], None
    for _ in range(3):
        result = tick(instance, tmp_path, cursor)
        assert len(result.run_requests) <= 2
        seen += [r.partition_key for r in result.run_requests]
        cursor = result.cursor
    assert len(set(seen)) == 5
