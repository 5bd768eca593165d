"""Retiring the partitions of artworks nobody will publish, so a long-running shop stays under
Dagster's advised 100,000 partitions per asset.

Every upload becomes a partition of `artworks_partitions`, and most of a busy shop's uploads end
rejected (not printable) or failed (no product went live) and are never touched again. Once such
an artwork has been untouched for `retire_after_days` (POD_RETIRE_AFTER_DAYS, 30), this hourly
sensor deletes its partition. What stays: its catalog rows (the seller's history, the funnel),
and its runs and events in Dagster (the Runs page still has them; the asset's partition list no
longer does). A later upload of the same artwork is new to the upload sensor and is published
from scratch.

Published artworks keep their partitions: scheduled re-pricing runs over the artwork partitions
(`defs/repricing/triggers.py`), so retiring a live artwork's partition would silently stop its
prices following Gelato's costs. docs/operations.md says what to do past 100,000 live artworks.

Never retired: an artwork with a run queued or in flight (its run would lose its partition); while
a backfill is requested or a re-pricing range run is in flight (their partitions are resolved as
they run), the tick waits for the next hour.
The cursor is the (updated_at, id) of the last artwork looked at: each artwork is looked at once
per time it settles, however big the catalog."""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta, timezone

from dagster import (DefaultSensorStatus, RunsFilter, SensorEvaluationContext, SensorResult, SkipReason, sensor)

from pod_pipeline.defs.dagster_private import ASSET_PARTITION_RANGE_START_TAG, BulkActionsFilter, BulkActionStatus
from pod_pipeline.defs.publishing.stopped_sensor import PARTITION_TAG
from pod_pipeline.defs.publishing.upload_sensor import batch_paths
from pod_pipeline.defs.resources import CatalogResource, PartitionRetirementResource
from pod_pipeline.defs.runs import IN_FLIGHT, RunMode, artworks_partitions

RETIRED_STATUSES = ("rejected", "failed")  # no product of theirs is live: nothing to re-price
PER_TICK = 500


def read_cursor(text: str | None, log) -> tuple[datetime, str] | None:
    if not text:
        return None
    try:
        at, artwork_id = json.loads(text)
        return datetime.fromisoformat(at), str(artwork_id)
    except (TypeError, ValueError) as bad:  # a hand-edited cursor: start over (a second look retires nothing twice)
        log.warning(f"unreadable retirement cursor {text[:80]!r} ({bad}); starting from the oldest artwork")
        return None


def write_cursor(at: datetime, artwork_id: str) -> str:
    return json.dumps([at.isoformat(), artwork_id])


def busy_partitions(instance) -> set[str] | None:
    """The artworks a queued or running run works on (a batch's from its config); None while a
    backfill is requested or a range run without a list of its artworks (a re-pricing) is in
    flight: their partitions are resolved as they run."""
    if instance.get_backfills(filters=BulkActionsFilter(statuses=[BulkActionStatus.REQUESTED]), limit=1):
        return None
    busy: set[str] = set()
    for run in instance.get_runs(RunsFilter(statuses=IN_FLIGHT)):
        listed = batch_paths(run)
        if ASSET_PARTITION_RANGE_START_TAG in run.tags and not listed:
            return None
        if PARTITION_TAG in run.tags:
            busy.add(run.tags[PARTITION_TAG])
        busy.update(listed)
    return busy


def retire(context: SensorEvaluationContext, catalog: CatalogResource,
           retirement: PartitionRetirementResource, at: datetime | None = None) -> SensorResult | SkipReason:
    busy = busy_partitions(context.instance)
    if busy is None:
        return SkipReason("a backfill or a re-pricing range run is in flight: retiring next time")
    cutoff = (at or datetime.now(timezone.utc)) - timedelta(days=retirement.retire_after_days)
    after = read_cursor(context.cursor, context.log)
    if after is not None and after[0] > cutoff:
        # Only a hand-set cursor (or a clock set back) is past the cutoff: nothing after it could
        # ever be old enough, so the walk would stop for good. Start over instead.
        context.log.warning(f"retirement cursor {after[0]:%Y-%m-%d %H:%M} is past the cutoff "
                            f"{cutoff:%Y-%m-%d %H:%M}; starting from the oldest artwork")
        after = None
    rows = catalog.open().stuck_artworks(RETIRED_STATUSES, cutoff, limit=PER_TICK, after=after)
    if not rows:
        return SkipReason(f"no rejected or failed artwork untouched since {cutoff:%Y-%m-%d %H:%M} UTC is left to look at")
    # An artwork with a run in flight is kept, and the cursor stops before the first such one, so it
    # is looked at again next hour (the ones after it too: a second look retires nothing twice).
    waiting = [row for row in rows if row.id in busy]
    done = rows if not waiting else rows[:rows.index(waiting[0])]
    # One read of the partition set (≈0.2 s at 100,000) beats a lookup per artwork (≈13 ms each).
    existing = set(context.instance.get_dynamic_partitions(artworks_partitions.name))
    retiring = [row.id for row in rows if row.id not in busy and row.id in existing]
    cursor = write_cursor(done[-1].updated_at, done[-1].id) if done else context.cursor
    if waiting:
        context.log.warning(f"{len(waiting)} settled artworks have a run queued or in flight and wait, the first "
                            f"{waiting[0].id} (updated {waiting[0].updated_at:%Y-%m-%d %H:%M}); a run stuck there "
                            "holds the retirement's cursor back")
    context.log.info(f"retiring {len(retiring)} artwork partitions (rejected or failed, untouched since "
                     f"{cutoff:%Y-%m-%d}); {len(rows)} artworks looked at")
    if not retiring:
        return SensorResult(skip_reason=f"{len(rows)} settled artworks looked at, none with a partition to retire",
                            cursor=cursor)
    return SensorResult(dynamic_partitions_requests=[artworks_partitions.build_delete_request(retiring)],
                        cursor=cursor)


@functools.cache
def partition_retirement_sensor(mode: RunMode):
    """One sensor object per mode (features share it)."""

    @sensor(name="partition_retirement_sensor", minimum_interval_seconds=3600,
            default_status=DefaultSensorStatus.RUNNING,
            description="Hourly: deletes the `artworks` partition of every artwork rejected or failed and "
                        "untouched for POD_RETIRE_AFTER_DAYS (30), staying under Dagster's 100,000 partitions "
                        "per asset. Catalog rows and run history stay; published artworks keep their "
                        "partitions (re-pricing runs over them).")
    def _partition_retirement_sensor(context: SensorEvaluationContext, catalog: CatalogResource,
                                     retirement: PartitionRetirementResource):
        return retire(context, catalog, retirement)

    return _partition_retirement_sensor
