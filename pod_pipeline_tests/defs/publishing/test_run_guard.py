"""A run launched by hand over an artwork a batch is publishing waits for the batch (issue 18,
item 2): the queue's tag limits cannot see a range run's artworks, so the run checks itself."""

from types import SimpleNamespace

import pytest
from dagster import Failure

from pod_pipeline.defs.publishing import run_guard
from pod_pipeline.defs.publishing.run_guard import artworks_of, runs_ahead, wait_for_runs_ahead

RANGE = {"dagster/asset_partition_range_start": "b", "dagster/asset_partition_range_end": "d"}


def run(run_id, tags=None, paths=None):
    config = {"ops": {"artworks": {"config": {"paths": paths}}}} if paths else {}
    return SimpleNamespace(run_id=run_id, tags=tags or {}, run_config=config)


def record(run_id, start, **kwargs):
    return SimpleNamespace(dagster_run=run(run_id, **kwargs), start_time=start)


def keys():
    return ["a", "b", "c", "d", "e"]


def test_a_runs_artworks_from_its_batch_config_its_partition_or_its_range():
    assert artworks_of(run("1", paths={"b": "u/b.png", "c": "u/c.png"}), keys) == {"b", "c"}
    assert artworks_of(run("2", tags={"dagster/partition": "e"}), keys) == {"e"}
    assert artworks_of(run("3", tags=RANGE), keys) == {"b", "c", "d"}  # a range launched from the UI
    assert artworks_of(run("4", tags={**RANGE, "dagster/asset_partition_range_end": "gone"}), keys) == set()
    assert artworks_of(run("5"), keys) == set()


def test_only_an_earlier_started_run_sharing_an_artwork_is_waited_for():
    batch = record("batch", 100.0, paths={"b": "u/b", "c": "u/c"})
    other = record("other", 101.0, tags={"dagster/partition": "e"})
    later = record("later", 300.0, tags={"dagster/partition": "c"})
    queued_like = record("not-started", None, tags={"dagster/partition": "c"})
    records = [batch, other, later, queued_like]
    assert runs_ahead({"c"}, (200.0, "me"), records, keys) == [("batch", {"c"})]
    assert runs_ahead({"a"}, (200.0, "me"), records, keys) == []
    # The batch itself (earliest) waits for nobody: two runs never wait on each other.
    assert runs_ahead({"b", "c"}, (100.0, "batch"), records, keys) == []
    # Same start second: the run id breaks the tie, one way only.
    twin = record("a-twin", 100.0, paths={"c": "u/c"})
    assert runs_ahead({"c"}, (100.0, "batch"), [twin], keys) == [("a-twin", {"c"})]
    assert runs_ahead({"c"}, (100.0, "a-twin"), [batch], keys) == []


def fake_context(running, start=200.0):
    logs = []
    instance = SimpleNamespace(
        get_run_record_by_id=lambda run_id: SimpleNamespace(start_time=start),
        get_run_records=lambda filters: list(running),
        get_dynamic_partitions=lambda name: keys())
    return SimpleNamespace(instance=instance, run=SimpleNamespace(run_id="me"), partition_keys=["c"],
                           log=SimpleNamespace(info=logs.append)), logs


def test_the_later_run_waits_until_the_batch_ends_and_says_why():
    running = [record("batch", 100.0, paths={"b": "u/b", "c": "u/c"})]
    context, logs = fake_context(running)
    naps = []

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) == 3:
            running.clear()  # the batch ended

    wait_for_runs_ahead(context, sleep=sleep)
    assert len(naps) == 3 and logs and "waiting for run batch" in logs[0] and "c" in logs[0]


def test_a_run_stuck_past_the_limit_fails_this_one_with_its_name(monkeypatch):
    monkeypatch.setattr(run_guard, "MAX_WAIT_SECONDS", 0.0)
    context, _ = fake_context([record("stuck-run", 100.0, tags={"dagster/partition": "c"})])
    with pytest.raises(Failure, match="stuck-run"):
        wait_for_runs_ahead(context, sleep=lambda seconds: None)
