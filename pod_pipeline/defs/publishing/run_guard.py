"""One publishing run at a time per artwork, even for a run launched by hand.

The run queue keeps the runs the sensors make apart (`dagster/partition` and `pod/artwork_lock`
limits in dagster.yaml). A run launched from the UI over one artwork carries only
`dagster/partition`, and a batch (a range run) carries none of it, so the queue lets the two run
together. The create ledger still stops a second product; this keeps them from racing at all: a
run that shares an artwork with a run already going waits for it, before any work. Runs are
ordered by their start, so the first never waits and two runs never wait on each other; a queued
run is never waited for (no deadlock with `max_concurrent_runs`). Two runs starting within the
moment it takes the first to record its start (or on hosts whose clocks disagree) can still both
go on: the ledger's claims are what make a second product impossible, this only keeps the common
case from racing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from dagster import AssetExecutionContext, AssetKey, DagsterEventType, DagsterRunStatus, Failure, RunsFilter

from pod_pipeline.defs.dagster_private import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from pod_pipeline.defs.publishing.jobs import PUBLISH_ARTWORK
from pod_pipeline.defs.publishing.stopped_sensor import PARTITION_TAG
from pod_pipeline.defs.publishing.upload_sensor import batch_paths
from pod_pipeline.defs.runs import artworks_partitions

RUNNING = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
ARTWORKS = AssetKey("artworks")
POLL_SECONDS = 5.0
# A run that has not ended after this long is stuck (a worker gone without run monitoring):
# better a clear failure naming it than a run slot held forever. Never more than a third of the
# run's own maximum runtime (run monitoring's `max_runtime_seconds`, 900 s in deploy/), so a
# waiting run fails with this message instead of being cancelled half-way through its work.
MAX_WAIT_SECONDS = 30 * 60.0


def artworks_of(run, partition_keys: Callable[[], list[str]]) -> set[str]:
    """The artworks a publishing run works on: a batch's from its config, a one-artwork run's
    from its partition tag, a range launched by hand from the partitions between its ends."""
    paths = batch_paths(run)
    if paths:
        return set(paths)
    if run.tags.get(PARTITION_TAG):
        return {run.tags[PARTITION_TAG]}
    first, last = run.tags.get(ASSET_PARTITION_RANGE_START_TAG), run.tags.get(ASSET_PARTITION_RANGE_END_TAG)
    keys = partition_keys() if first and last else []
    if first in keys and last in keys:
        return set(keys[keys.index(first):keys.index(last) + 1])
    return set()


def publishes(run) -> bool:
    """The publishing job, or any run that materializes `artworks` (launched from the asset graph)."""
    return run.job_name == PUBLISH_ARTWORK or ARTWORKS in (run.asset_selection or ())


Start = tuple[float, str]  # the run's RUN_START event time, then its id: a total order


def runs_ahead(mine: set[str], my_start: Start, others: Iterable[tuple[object, Start | None]],
               partition_keys: Callable[[], list[str]]) -> list[tuple[str, set[str]]]:
    """(run id, shared artworks) of the runs that started before this one and share an artwork
    with it; a run not started yet finds this one when it checks. (Event storage ids would order
    starts by commit, but on SQLite each run's events are numbered in a database of their own.)"""
    ahead = []
    for run, start in others:
        if start is None or start >= my_start:
            continue
        shared = mine & artworks_of(run, partition_keys)
        if shared:
            ahead.append((run.run_id, shared))
    return ahead


def run_start(instance, run_id: str) -> Start | None:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    return (records[0].event_log_entry.timestamp, run_id) if records else None


def wait_limit(instance, run) -> float:
    try:  # a hand-set tag may hold anything; run monitoring ignores what it cannot read, so do we
        runtime = float(run.tags.get("dagster/max_runtime") or 0)
    except ValueError:
        runtime = 0.0
    runtime = runtime if runtime > 0 else float(instance.run_monitoring_max_runtime_seconds or 0)
    return min(MAX_WAIT_SECONDS, runtime / 3) if runtime > 0 else MAX_WAIT_SECONDS


def wait_for_runs_ahead(context: AssetExecutionContext, sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once no earlier-started run shares an artwork with this one; Failure after the
    wait limit, naming the run that held it."""
    instance, me = context.instance, context.run
    mine = set(context.partition_keys)
    cached: list[list[str]] = []

    def partition_keys() -> list[str]:
        if not cached:
            cached.append(instance.get_dynamic_partitions(artworks_partitions.name))
        return cached[0]

    my_start = run_start(instance, me.run_id)
    if my_start is None:  # executed outside a launched run (no RUN_START recorded): nothing to order by
        return
    limit = wait_limit(instance, me)
    deadline = time.monotonic() + limit
    while True:
        others = [(run, run_start(instance, run.run_id)) for run in instance.get_runs(RunsFilter(statuses=RUNNING))
                  if run.run_id != me.run_id and publishes(run)]
        ahead = runs_ahead(mine, my_start, others, partition_keys)
        if not ahead:
            return
        other, shared = ahead[0]
        names = ", ".join(sorted(shared)[:5]) + (" …" if len(shared) > 5 else "")
        if time.monotonic() > deadline:
            raise Failure(f"run {other} has been publishing {names} for over {limit / 60:.0f} min; this run did "
                          "not start beside it. If that run is stuck, terminate it and run this one again.",
                          allow_retries=False)
        context.log.info(f"waiting for run {other}, which is publishing {names} of this run's artworks")
        sleep(POLL_SECONDS)
