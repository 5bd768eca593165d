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


def keys():
    return ["a", "b", "c", "d", "e"]


def test_a_runs_artworks_from_its_batch_config_its_partition_or_its_range():
    assert artworks_of(run("1", paths={"b": "u/b.png", "c": "u/c.png"}), keys) == {"b", "c"}
    assert artworks_of(run("2", tags={"dagster/partition": "e"}), keys) == {"e"}
    assert artworks_of(run("3", tags=RANGE), keys) == {"b", "c", "d"}  # a range launched from the UI
    assert artworks_of(run("4", tags={**RANGE, "dagster/asset_partition_range_end": "gone"}), keys) == set()
    assert artworks_of(run("5"), keys) == set()


def test_only_an_earlier_started_run_sharing_an_artwork_is_waited_for():
    batch = (run("batch", paths={"b": "u/b", "c": "u/c"}), (10.0, "batch"))
    other = (run("other", tags={"dagster/partition": "e"}), (11.0, "other"))
    later = (run("later", tags={"dagster/partition": "c"}), (30.0, "later"))
    not_started = (run("not-started", tags={"dagster/partition": "c"}), None)
    others = [batch, other, later, not_started]
    assert runs_ahead({"c"}, (20.0, "me"), others, keys) == [("batch", {"c"})]
    assert runs_ahead({"a"}, (20.0, "me"), others, keys) == []
    # The batch itself (started first) waits for nobody: two runs never wait on each other.
    assert runs_ahead({"b", "c"}, (10.0, "batch"), [later, not_started], keys) == []
    # Started in the same instant: the run id decides, one way only.
    twin = (run("a-twin", paths={"c": "u/c"}), (10.0, "a-twin"))
    assert runs_ahead({"c"}, (10.0, "batch"), [twin], keys) == [("a-twin", {"c"})]
    assert runs_ahead({"c"}, (10.0, "a-twin"), [batch], keys) == []


def test_a_runs_start_is_its_recorded_run_start_event():
    """What `runs_ahead` compares: the RUN_START event's time and the run id; none before it."""
    from dagster import DagsterEvent, DagsterEventType, instance_for_test
    from dagster._core.test_utils import create_run_for_test

    with instance_for_test() as instance:
        first, second = (create_run_for_test(instance, job_name="publish_artwork") for _ in range(2))
        assert run_guard.run_start(instance, first.run_id) is None  # not started: never waited for
        for started in (second, first):
            instance.report_dagster_event(DagsterEvent(DagsterEventType.RUN_START.value, "publish_artwork"),
                                          started.run_id)
        assert run_guard.run_start(instance, second.run_id) < run_guard.run_start(instance, first.run_id)
        assert run_guard.run_start(instance, first.run_id)[1] == first.run_id


def test_a_run_launched_from_the_asset_graph_counts_as_publishing():
    from dagster import AssetKey

    assert run_guard.publishes(SimpleNamespace(job_name="publish_artwork", asset_selection=None))
    assert run_guard.publishes(SimpleNamespace(job_name="__ASSET_JOB", asset_selection={AssetKey("artworks")}))
    assert not run_guard.publishes(SimpleNamespace(job_name="__ASSET_JOB", asset_selection={AssetKey("prices")}))
    assert not run_guard.publishes(SimpleNamespace(job_name="reprice_prices", asset_selection=None))


def fake_context(running, max_runtime=0, tags=None):
    logs = []
    starts = {"me": 20.0, **{r.run_id: start for r, start in running}}
    instance = SimpleNamespace(
        get_records_for_run=lambda run_id, of_type, limit: SimpleNamespace(records=[
            SimpleNamespace(event_log_entry=SimpleNamespace(timestamp=starts[run_id]))]
            if starts.get(run_id) is not None else []),
        get_runs=lambda filters: [r for r, _ in running],
        get_dynamic_partitions=lambda name: keys(),
        run_monitoring_max_runtime_seconds=max_runtime)
    me = SimpleNamespace(run_id="me", tags=tags or {})
    return SimpleNamespace(instance=instance, run=me, partition_keys=["c"], log=SimpleNamespace(info=logs.append)), logs


def publishing(run_id, **kwargs):
    made = run(run_id, **kwargs)
    made.job_name, made.asset_selection = "publish_artwork", None
    return made


def test_the_later_run_waits_until_the_batch_ends_and_says_why():
    running = [(publishing("batch", paths={"b": "u/b", "c": "u/c"}), 10.0)]
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
    context, _ = fake_context([(publishing("stuck-run", tags={"dagster/partition": "c"}), 10.0)])
    with pytest.raises(Failure, match="stuck-run"):
        wait_for_runs_ahead(context, sleep=lambda seconds: None)


def test_the_wait_stays_well_inside_the_runs_own_maximum_runtime():
    """deploy/ sets run monitoring's max_runtime_seconds to 900: a run must fail with the guard's
    message long before monitoring cancels it half-way through its work."""
    context, _ = fake_context([], max_runtime=900)
    assert run_guard.wait_limit(context.instance, context.run) == 300
    context, _ = fake_context([], max_runtime=900, tags={"dagster/max_runtime": "60"})
    assert run_guard.wait_limit(context.instance, context.run) == 20
    context, _ = fake_context([])
    assert run_guard.wait_limit(context.instance, context.run) == run_guard.MAX_WAIT_SECONDS
    for hand_set in ("10m", "-5", "nan-ish", ""):  # unreadable: the instance's limit, never a crash
        context, _ = fake_context([], max_runtime=900, tags={"dagster/max_runtime": hand_set})
        assert run_guard.wait_limit(context.instance, context.run) == 300
