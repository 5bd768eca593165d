"""A batch's stopped artworks are told apart in the UI (issue 15, item 1): after the batch run
succeeds, the stopped-artwork sensor runs each stopped artwork again on its own from the asset
where it stopped; that run fails with the reason, so Dagster shows the partition Failed while
the batch-mates stay materialized."""

from pathlib import Path

from dagster import (AssetKey, AssetPartitionStatus, DagsterEventType, DagsterRunStatus, RunRequest, RunsFilter,
                     SkipReason, build_run_status_sensor_context, instance_for_test)

from pod_pipeline.definitions import build_definitions
from pod_pipeline.defs.publishing.stopped_sensor import STOPPED_IN_TAG, rerun_requests
from pod_pipeline.defs.runs import artworks_partitions
from pod_pipeline.tools.sensor_driver import SensorDriver
from pod_pipeline_tests.conftest import poster_only_settings
from pod_pipeline_tests.test_pipeline_flow import gradient_jpeg

ASSETS = ("artworks", "variants", "listing", "print_files", "prices", "published_products")


def statuses(instance, artwork_id: str) -> dict[str, AssetPartitionStatus | None]:
    return {asset: instance.get_status_by_partition(AssetKey(asset), [artwork_id], artworks_partitions)[artwork_id]
            for asset in ASSETS}


def test_stopped_artworks_of_a_batch_end_as_failed_partitions(pipeline_env, tmp_path):
    env = {**pipeline_env, "POD_SETTINGS": poster_only_settings(tmp_path)}
    folder = Path(env["POD_BUCKET_DIR"]) / "user-1"
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)      # publishes
    gradient_jpeg(folder / "thumbnail.jpg", 300, 300)   # stops at variants: printable nowhere
    (folder / "notes.png").write_text("milk, eggs")      # stops at artworks: not an image
    defs = build_definitions(env)
    sensor = defs.resolve_sensor_def("stopped_artwork_sensor")
    job = defs.resolve_job_def("publish_artwork")
    with instance_for_test() as instance:
        uploads = SensorDriver(defs, instance, "upload_sensor")
        while uploads.tick():
            pass
        [batch] = instance.get_runs(RunsFilter(job_name="publish_artwork"))
        assert batch.is_success and "dagster/partition" not in batch.tags  # one range run for all three
        ids = {key.split("-")[0]: key for key in instance.get_dynamic_partitions("artworks")}
        # Before: every partition of the batch is a green "Materialized", stopped or not.
        assert statuses(instance, ids["notes"])["published_products"] == AssetPartitionStatus.MATERIALIZED

        success = instance.all_logs(batch.run_id, of_type=DagsterEventType.RUN_SUCCESS)[0].dagster_event
        context = build_run_status_sensor_context(sensor.name, success, instance, batch,
                                                  repository_def=defs.get_repository_def())
        requests = list(sensor(context) or [])
        assert all(isinstance(r, RunRequest) for r in requests)
        by_artwork = {r.partition_key: r for r in requests}
        assert set(by_artwork) == {ids["notes"], ids["thumbnail"]}  # dunes went on
        assert {k.to_user_string() for k in by_artwork[ids["notes"]].asset_selection} == set(ASSETS)
        assert {k.to_user_string() for k in by_artwork[ids["thumbnail"]].asset_selection} == set(ASSETS) - {"artworks"}
        assert all(r.tags[STOPPED_IN_TAG] == batch.run_id and r.run_key.startswith(batch.run_id) for r in requests)

        for request in requests:  # as the daemon launches them
            rerun = job.execute_in_process(instance=instance, partition_key=request.partition_key,
                                           asset_selection=request.asset_selection, tags=request.tags,
                                           raise_on_error=False)
            assert not rerun.success
            failure = rerun.get_step_failure_events()[0].step_failure_data.error.message
            assert ("not an image" if request.partition_key == ids["notes"] else "not printable") in failure
            # A one-artwork run: nothing further to rerun.
            assert isinstance(rerun_requests(instance, rerun.dagster_run, defs.resolve_asset_graph()), SkipReason)

        failed, materialized = AssetPartitionStatus.FAILED, AssetPartitionStatus.MATERIALIZED
        assert statuses(instance, ids["notes"]) == dict.fromkeys(ASSETS, failed)
        assert statuses(instance, ids["thumbnail"]) == {**dict.fromkeys(ASSETS, failed), "artworks": materialized}
        assert statuses(instance, ids["dunes"]) == dict.fromkeys(ASSETS, materialized)
        reruns = instance.get_runs(RunsFilter(tags={STOPPED_IN_TAG: batch.run_id}))
        assert len(reruns) == 2 and all(r.status == DagsterRunStatus.FAILURE for r in reruns)
        # Stopped artworks prepared no print files, in the batch or in their reruns (issue 17).
        derived = folder / "_pipeline"
        area_files = "print-*mm-*"  # `print-<area>-<hash>`; `print-<hash>` is the upload, normalised
        assert list(derived.glob(f"{ids['dunes']}/{area_files}"))
        assert not [*derived.glob(f"{ids['notes']}/{area_files}"), *derived.glob(f"{ids['thumbnail']}/{area_files}")]


def test_a_batch_that_stopped_nothing_asks_for_nothing(pipeline_env, tmp_path):
    env = {**pipeline_env, "POD_SETTINGS": poster_only_settings(tmp_path)}
    folder = Path(env["POD_BUCKET_DIR"]) / "user-1"
    folder.mkdir(parents=True)
    for name in ("dunes.jpg", "dawn.jpg"):
        gradient_jpeg(folder / name, 4200, 6000)
    defs = build_definitions(env)
    with instance_for_test() as instance:
        uploads = SensorDriver(defs, instance, "upload_sensor")
        while uploads.tick():
            pass
        [batch] = instance.get_runs(RunsFilter(job_name="publish_artwork"))
        skipped = rerun_requests(instance, batch, defs.resolve_asset_graph())
        assert isinstance(skipped, SkipReason) and "stopped no artwork" in skipped.skip_message
