"""Batches (`pod_pipeline/defs/publishing/batch.py`): in a range run each artwork stops on its own, the others go
on, stopped artworks are marked on their partitions and skipped downstream; a one-artwork run
fails as it always has; an unexpected error marks every unfinished artwork of the run."""

import pytest
from dagster import (
    AssetIn,
    AssetKey,
    AssetRecordsFilter,
    Definitions,
    Failure,
    asset,
    define_asset_job,
    in_process_executor,
    instance_for_test,
)
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from pod_pipeline.defs.publishing.batch import ArtworkBatch, by_artwork
from pod_pipeline.catalog.rows import ArtworkRow
from pod_pipeline.defs.publishing.hooks import record_artwork_failure
from pod_pipeline.defs.io_manager import PodIOManager
from pod_pipeline.defs.runs import artworks_partitions
from pod_pipeline.defs.resources import CatalogResource

KEYS = ["good-1", "bad-2", "good-3", "bad-4", "bad-5"]
NOW_FAILING: set[str] = set()  # good artworks a test makes fail on their next run


@asset(partitions_def=artworks_partitions)
def checked(context):
    batch = ArtworkBatch(context, "checked")
    for key in batch.keys:
        def work(key=key):
            if key.startswith("bad") or key in NOW_FAILING:
                raise Failure(f"{key} is not an image", allow_retries=False)
            batch.note(key, {"outcome": "ok"})
            return key.upper()
        batch.run(key, work)
    return batch.output()


@asset(partitions_def=artworks_partitions, ins={"checked": AssetIn(metadata={"allow_missing_partitions": True})})
def downstream(context, checked):
    values = by_artwork(context, checked)
    batch = ArtworkBatch(context, "downstream")
    batch.skipped_upstream(values)
    for key, value in values.items():
        batch.run(key, lambda value=value: value + "!")
    return batch.output()


@asset(partitions_def=artworks_partitions, deps=["checked"])
def explodes(context):
    raise RuntimeError("disk full")


def materializations(instance, asset_key: str) -> dict[str, dict]:
    """The latest materialization's metadata per partition."""
    records = instance.fetch_materializations(AssetRecordsFilter(asset_key=AssetKey(asset_key)), limit=50).records
    records = sorted(records, key=lambda r: r.storage_id)  # oldest first: the newest wins below
    return {r.partition_key: {k: v.value for k, v in r.asset_materialization.metadata.items()} for r in records}


@pytest.fixture
def setup(tmp_path):
    with instance_for_test() as instance:
        instance.add_dynamic_partitions("artworks", KEYS)
        catalog = CatalogResource(url=f"sqlite:///{tmp_path / 'catalog.db'}")
        for key in KEYS:
            catalog.open().upsert_artwork(ArtworkRow(id=key, user_id="u", path=f"u/{key}.png", version="1",
                                                     status="processing"))
        defs = Definitions(
            assets=[checked, downstream, explodes],
            jobs=[define_asset_job("both", selection=["checked", "downstream"], executor_def=in_process_executor),
                  define_asset_job("boom", selection=["checked", "explodes"], executor_def=in_process_executor,
                                   hooks={record_artwork_failure})],
            resources={"io_manager": PodIOManager(base_dir=str(tmp_path / "values")), "catalog": catalog},
        )
        yield defs, instance, catalog.open()


def range_tags(first: str, last: str) -> dict[str, str]:
    return {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}


def test_a_stopped_artwork_does_not_stop_its_batch(setup):
    defs, instance, _ = setup
    result = defs.resolve_job_def("both").execute_in_process(instance=instance, tags=range_tags("good-1", "good-3"))
    assert result.success
    upstream, down = materializations(instance, "checked"), materializations(instance, "downstream")
    assert upstream["bad-2"]["outcome"] == "stopped" and "not an image" in upstream["bad-2"]["reason"]
    assert upstream["good-1"]["outcome"] == "ok"
    assert down["bad-2"]["outcome"] == "stopped" and "upstream" in down["bad-2"]["reason"]
    assert "outcome" not in down["good-1"]
    # Only the artworks that went on have values: a later one-artwork run of the good ones loads them.
    again = defs.resolve_job_def("both").execute_in_process(instance=instance, partition_key="good-3",
                                                            asset_selection=[AssetKey("downstream")])
    assert again.output_for_node("downstream") == "GOOD-3!"


def test_a_one_artwork_run_fails_with_the_artworks_own_reason(setup):
    defs, instance, _ = setup
    result = defs.resolve_job_def("both").execute_in_process(instance=instance, partition_key="bad-2",
                                                             raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "bad-2 is not an image" in failure.event_specific_data.error.message


def test_a_batch_where_nothing_can_go_on_fails_naming_the_reasons(setup):
    defs, instance, _ = setup
    result = defs.resolve_job_def("both").execute_in_process(instance=instance, tags=range_tags("bad-4", "bad-5"),
                                                             raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.event_specific_data.error.message
    assert "no artwork of this run can go on (2 stopped" in message and "bad-5 is not an image" in message


def test_an_artwork_stopped_in_a_later_batch_does_not_flow_on_with_its_old_value(setup):
    defs, instance, _ = setup
    job = defs.resolve_job_def("both")
    assert job.execute_in_process(instance=instance, tags=range_tags("good-1", "good-3")).success
    NOW_FAILING.add("good-1")
    try:
        assert job.execute_in_process(instance=instance, tags=range_tags("good-1", "good-3")).success
    finally:
        NOW_FAILING.clear()
    latest = materializations(instance, "downstream")  # newest first: the second run's
    assert latest["good-1"]["outcome"] == "stopped" and "outcome" not in latest["good-3"]


def test_an_unexpected_error_marks_every_unfinished_artwork_of_the_batch(setup):
    defs, instance, catalog = setup
    catalog.set_artwork_status("good-3", "published", None)  # already final: left alone
    catalog.set_artwork_status("good-1", "publishing", None)  # handed over: the status sensor's
    result = defs.resolve_job_def("boom").execute_in_process(instance=instance, tags=range_tags("good-1", "good-3"),
                                                             raise_on_error=False)
    assert not result.success
    assert catalog.get_artwork("bad-2").status == "failed" and "disk full" in catalog.get_artwork("bad-2").reason
    assert catalog.get_artwork("good-1").status == "publishing"
    assert catalog.get_artwork("good-3").status == "published"
    assert catalog.get_artwork("bad-4").status == "processing"  # outside the run's range


def test_a_retried_batch_does_not_resend_a_create_gelato_refused():
    from types import SimpleNamespace

    from pod_pipeline.defs.publishing.published_products import refused_earlier
    from pod_pipeline.catalog.rows import ProductRow

    refused = ProductRow(id="p", artwork_id="a", template_id="t", user_id="u", status="publishing_error",
                         reason="400: unknown placeholder")
    assert refused_earlier(SimpleNamespace(retry_number=1), refused)
    assert not refused_earlier(SimpleNamespace(retry_number=0), refused)  # a new run tries again
    assert not refused_earlier(SimpleNamespace(retry_number=1), refused.model_copy(update={"status": "pending"}))
    assert not refused_earlier(SimpleNamespace(retry_number=1), None)
