"""One publishing run at a time per artwork, even for a run launched by hand.

The run queue keeps the runs the sensors make apart (`dagster/partition` and `pod/artwork_lock`
limits in dagster.yaml). A run launched from the UI over one artwork carries only
`dagster/partition`, and a batch (a range run) carries none of it, so the queue lets the two run
together. The create ledger still stops a second product; this keeps them from racing at all: a
run that shares an artwork with a run already going waits for it, before any work. Runs are
ordered by start, so the first never waits and two runs never wait on each other."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from dagster import AssetExecutionContext, DagsterRunStatus, Failure, RunsFilter

from pod_pipeline.defs.dagster_private import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from pod_pipeline.defs.publishing.jobs import PUBLISH_ARTWORK
from pod_pipeline.defs.publishing.stopped_sensor import PARTITION_TAG
from pod_pipeline.defs.publishing.upload_sensor import batch_paths
from pod_pipeline.defs.runs import artworks_partitions

RUNNING = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
POLL_SECONDS = 5.0
# A run that has not ended after this long is stuck (a worker gone without run monitoring):
# better a clear failure naming it than a run slot held forever.
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


def runs_ahead(mine: set[str], my_start: tuple[float, str], records: Iterable,
               partition_keys: Callable[[], list[str]]) -> list[tuple[str, set[str]]]:
    """(run id, shared artworks) of the running publishing runs that started before this one and
    share an artwork with it."""
    ahead = []
    for record in records:
        run = record.dagster_run
        if run.run_id == my_start[1] or record.start_time is None or (record.start_time, run.run_id) >= my_start:
            continue
        shared = mine & artworks_of(run, partition_keys)
        if shared:
            ahead.append((run.run_id, shared))
    return ahead


def wait_for_runs_ahead(context: AssetExecutionContext, sleep: Callable[[float], None] = time.sleep) -> None:
    """Return once no earlier-started run shares an artwork with this one; Failure after
    MAX_WAIT_SECONDS, naming the run that held it."""
    instance, run_id = context.instance, context.run.run_id
    mine = set(context.partition_keys)
    cached: list[list[str]] = []

    def partition_keys() -> list[str]:
        if not cached:
            cached.append(instance.get_dynamic_partitions(artworks_partitions.name))
        return cached[0]

    deadline = time.monotonic() + MAX_WAIT_SECONDS
    while True:
        record = instance.get_run_record_by_id(run_id)
        my_start = (record.start_time if record and record.start_time else time.time(), run_id)
        records = instance.get_run_records(RunsFilter(job_name=PUBLISH_ARTWORK, statuses=RUNNING))
        ahead = runs_ahead(mine, my_start, records, partition_keys)
        if not ahead:
            return
        other, shared = ahead[0]
        names = ", ".join(sorted(shared)[:5]) + (" …" if len(shared) > 5 else "")
        if time.monotonic() > deadline:
            raise Failure(f"run {other} has been publishing {names} for over {MAX_WAIT_SECONDS / 60:.0f} min; "
                          "this run did not start beside it. If that run is stuck, terminate it and run this again.",
                          allow_retries=False)
        context.log.info(f"waiting for run {other}, which is publishing {names} of this run's artworks")
        sleep(POLL_SECONDS)
