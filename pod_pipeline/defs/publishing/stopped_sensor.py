"""A batch's stopped artworks, told apart in the UI.

Dagster OSS records a partition as failed only when a failed run planned it (its event storage
refuses per-partition failure events), and a batch run that publishes its other artworks
succeeds: an artwork it stopped would stay a green "Materialized" with an `outcome: stopped`
row. So after each successful batch this sensor runs every stopped artwork again on its own,
from the asset where it stopped: that one-artwork run fails as a re-upload would, with the
reason as its error, and the Partitions tab shows the artwork Failed (filterable, the reason in
the run) while its batch-mates stay materialized. Assets upstream of the stop are not redone; a
stop in `published_products` is looked at again through the ledger, so nothing is created twice.
"""

from __future__ import annotations

import functools

from dagster import (AssetSelection, DagsterEventType, DagsterInstance, DagsterRun, DagsterRunStatus,
                     DefaultSensorStatus, RunRequest, RunStatusSensorContext, SkipReason, run_status_sensor)

from pod_pipeline.defs.publishing.batch import STOPPED, UPSTREAM_REASON
from pod_pipeline.defs.publishing.jobs import PER_ARTWORK_ASSETS, publish_artwork_job
from pod_pipeline.defs.runs import RunMode, sensor_interval_seconds

STOPPED_IN_TAG = "pod/stopped_in_run"
PARTITION_TAG = "dagster/partition"


def stops_of_run(instance: DagsterInstance, run_id: str) -> dict[str, tuple[str, str]]:
    """{artwork: (asset it stopped at, reason)} for the artworks a run stopped; stops inherited
    from an upstream asset are not origins."""
    stops: dict[str, tuple[str, str]] = {}
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
        materialization = record.asset_materialization
        if materialization is None or materialization.partition is None:
            continue
        meta = materialization.metadata
        outcome, reason = meta.get("outcome"), meta.get("reason")
        reason_text = reason.value if reason is not None else ""
        if outcome is not None and outcome.value == STOPPED and reason_text != UPSTREAM_REASON:
            stops.setdefault(materialization.partition, (materialization.asset_key.to_user_string(), reason_text))
    return stops


def rerun_requests(instance: DagsterInstance, run: DagsterRun, asset_graph) -> list[RunRequest] | SkipReason:
    """One run per artwork the batch `run` stopped, from its stopping asset downstream (in
    `asset_graph`, the code location's)."""
    if run.tags.get(PARTITION_TAG):
        return SkipReason(f"run {run.run_id[:8]} was one artwork's: a stop failed it already")
    stops = stops_of_run(instance, run.run_id)
    if not stops:
        return SkipReason(f"batch run {run.run_id[:8]} stopped no artwork")
    from_stop = {asset: sorted((AssetSelection.assets(asset).downstream() & PER_ARTWORK_ASSETS).resolve(asset_graph))
                 for asset, _reason in stops.values()}
    return [RunRequest(run_key=f"{run.run_id}:{artwork}", partition_key=artwork, asset_selection=from_stop[asset],
                       tags={STOPPED_IN_TAG: run.run_id})
            for artwork, (asset, _reason) in sorted(stops.items())]


@functools.cache
def stopped_artwork_sensor(mode: RunMode):
    """The sensor for this mode's publish job (one object per mode: features share it)."""

    @run_status_sensor(
        name="stopped_artwork_sensor",
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=[publish_artwork_job(mode)],
        request_job=publish_artwork_job(mode),
        minimum_interval_seconds=sensor_interval_seconds(mode),
        default_status=DefaultSensorStatus.RUNNING,
        description="After a batch run succeeds, runs each artwork it stopped on its own, from the asset "
        "where it stopped: that run fails with the reason, so the artwork's partition shows Failed while "
        "its batch-mates stay materialized (Dagster records partition failures only from failed runs).",
    )
    def _stopped_artwork_sensor(context: RunStatusSensorContext):
        return rerun_requests(context.instance, context.dagster_run, context.repository_def.asset_graph)

    return _stopped_artwork_sensor
