import pytest
from dagster import AssetMaterialization, DagsterInstance, SensorResult, SkipReason, build_sensor_context

from pod_pipeline.catalog.rows import ArtworkRow
from pod_pipeline.defs.publishing.upload_sensor import upload_sensor
from pod_pipeline.defs.resources import CatalogResource, LocalStorageResource, UploadBatchingResource
from pod_pipeline.defs.runs import RunMode


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as inst:
        yield inst


def cache_ready(instance):
    for key in ("templates", "base_costs"):
        instance.report_runless_asset_event(AssetMaterialization(key))


def catalog_of(bucket):
    return CatalogResource(url=f"sqlite:///{bucket.parent / (bucket.name + '-catalog.db')}")  # outside the bucket


def tick(instance, bucket, cursor=None, batching=UploadBatchingResource()):
    context = build_sensor_context(instance=instance, cursor=cursor,
                                   resources={"storage": LocalStorageResource(local_root=str(bucket)),
                                              "catalog": catalog_of(bucket), "batching": batching})
    return upload_sensor(RunMode("demo"))(context)


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


def test_an_idle_bucket_asks_for_nothing_even_before_the_cache_exists(instance, tmp_path):
    # The cache is looked up only when there is an upload to publish: an idle tick stays cheap.
    (tmp_path / "user-1").mkdir()
    result = tick(instance, tmp_path)
    assert isinstance(result, SkipReason) and "no new uploads" in result.skip_message
    upload(tmp_path, "a.png")
    assert [r.job_name for r in tick(instance, tmp_path).run_requests] == ["refresh_gelato_cache"]


def test_new_uploads_become_partitions_and_one_batch(instance, tmp_path):
    cache_ready(instance)
    upload(tmp_path, "a.png")
    upload(tmp_path, "b.png")
    first = tick(instance, tmp_path)
    keys = list(first.dynamic_partitions_requests[0].partition_keys)
    [batch] = first.run_requests
    assert len(keys) == 2 and batch.partition_key is None
    assert (batch.tags["dagster/asset_partition_range_start"], batch.tags["dagster/asset_partition_range_end"]) \
        == (keys[0], keys[-1])
    paths = batch.run_config["ops"]["artworks"]["config"]["paths"]
    assert sorted(paths) == sorted(keys) and all(p.startswith("user-1/") for p in paths.values())

    assert isinstance(tick(instance, tmp_path, first.cursor), SkipReason)

    # The daemon adds the partitions with the tick. A re-delivery (cursor lost) before the batch has
    # written the artworks to the catalog asks for a run per artwork: extra work, never an extra
    # product (each create is claimed in the catalog first).
    instance.add_dynamic_partitions("artworks", keys)
    early = tick(instance, tmp_path, None)
    assert sorted(r.partition_key for r in early.run_requests) == sorted(keys)
    assert not early.dynamic_partitions_requests

    # Once the catalog has seen those versions, a re-delivery asks for nothing, and a new version
    # of one artwork gets a run of its own.
    catalog = catalog_of(tmp_path).open()
    scanned, _ = LocalStorageResource(local_root=str(tmp_path)).open().scan(None, 10)
    for found in scanned:
        catalog.upsert_artwork(ArtworkRow(id=found.artwork_id, user_id="user-1", path=found.path,
                                          version=found.version, size_bytes=found.size, status="published"))
    redelivered = tick(instance, tmp_path, None)
    assert not redelivered.run_requests and not redelivered.dynamic_partitions_requests
    upload(tmp_path, "a.png", b"new bytes")
    [single] = tick(instance, tmp_path, first.cursor).run_requests
    assert single.tags["pod/upload_path"] == "user-1/a.png" and single.partition_key in keys


def test_a_burst_is_cut_into_batches_of_the_batch_size(instance, tmp_path):
    cache_ready(instance)
    for i in range(5):
        upload(tmp_path, f"art-{i}.png")
    result = tick(instance, tmp_path, batching=UploadBatchingResource(batch_size=2))
    sizes = [int(r.tags.get("pod/batch_size", 1)) for r in result.run_requests]
    assert sizes == [2, 2, 1] and result.run_requests[-1].partition_key is not None


def test_work_per_tick_is_bounded(instance, tmp_path):
    cache_ready(instance)
    for i in range(5):
        upload(tmp_path, f"art-{i}.png")
    seen, cursor = [], None
    for _ in range(3):
        result = tick(instance, tmp_path, cursor, batching=UploadBatchingResource(uploads_per_tick=2))
        [batch] = result.run_requests
        paths = batch.run_config["ops"]["artworks"]["config"]["paths"] if batch.run_config else {batch.partition_key: 1}
        assert len(paths) <= 2
        seen += list(paths)
        cursor = result.cursor
    assert len(set(seen)) == 5


def test_a_reupload_waits_for_the_batch_that_holds_its_artwork(instance, tmp_path):
    """A range run has no `dagster/partition` tag, so that limit cannot keep a re-upload's run off
    an artwork its batch is still working on: the re-upload takes the batch's lock instead, and
    the queue (Dagster's own counter, with the limits of the repository's dagster.yaml) holds it."""
    from pathlib import Path

    import yaml
    from dagster import DagsterRun, DagsterRunStatus
    from dagster._utils.tags import TagConcurrencyLimitsCounter

    from pod_pipeline.defs.runs import ARTWORK_LOCK_TAG

    cache_ready(instance)
    upload(tmp_path, "a.png")
    upload(tmp_path, "b.png")
    first = tick(instance, tmp_path)
    [batch] = first.run_requests
    lock = batch.tags[ARTWORK_LOCK_TAG]
    instance.add_dynamic_partitions("artworks", list(first.dynamic_partitions_requests[0].partition_keys))
    running = instance.add_run(DagsterRun(job_name="publish_artwork", run_id="batch-run", tags=batch.tags,
                                          run_config=batch.run_config, status=DagsterRunStatus.STARTED))

    upload(tmp_path, "a.png", b"png, drawn again")  # the artist replaces a.png while its batch runs
    again = tick(instance, tmp_path, first.cursor)
    [reupload] = again.run_requests
    assert reupload.partition_key and reupload.tags[ARTWORK_LOCK_TAG] == lock

    limits = yaml.safe_load((Path(__file__).resolve().parents[3] / "dagster.yaml").read_text())
    counter = TagConcurrencyLimitsCounter(limits["concurrency"]["runs"]["tag_concurrency_limits"], [running])
    queued = DagsterRun(job_name="publish_artwork", run_id="reupload-run",
                        tags={**reupload.tags, "dagster/partition": reupload.partition_key})
    assert counter.is_blocked(queued)
    other = DagsterRun(job_name="publish_artwork", run_id="other", tags={ARTWORK_LOCK_TAG: "batch-other"})
    assert not counter.is_blocked(other)  # other batches are not held up

    # Once the batch has ended, a further version runs without waiting for anything.
    instance.run_storage.handle_run_event(running.run_id, _run_success(running))
    upload(tmp_path, "a.png", b"png, drawn a third time")
    later = tick(instance, tmp_path, again.cursor)
    [third] = later.run_requests
    assert ARTWORK_LOCK_TAG not in third.tags


def _run_success(run):
    from dagster import DagsterEvent, DagsterEventType

    return DagsterEvent(DagsterEventType.RUN_SUCCESS.value, job_name=run.job_name)
