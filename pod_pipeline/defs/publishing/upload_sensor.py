"""The upload sensor: new files in the bucket become artwork partitions and publishing runs.

A burst of new uploads becomes *batches*: one range run per `batch_size` new partitions (they
were added together, so they are contiguous in insertion order), because a run costs about a
second of Dagster overhead before any work. Inside a batch each artwork is isolated (`batch.py`).
A new version of an artwork already known (a re-upload) gets a run of its own, as does a
lone new upload. The run queue never runs two runs on one artwork at once: single runs by their
`dagster/partition` tag, and a re-upload of an artwork whose batch is still queued or running by
the batch's `pod/artwork_lock` value, which it takes too (a range run has no partition tag).
"""

import functools
import hashlib
import time
from dataclasses import replace

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pod_pipeline.defs.dagster_private import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from pod_pipeline.defs.gelato_cache.jobs import REFRESH_GELATO_CACHE, refresh_gelato_cache_job
from pod_pipeline.defs.publishing.jobs import PUBLISH_ARTWORK, publish_artwork_job
from pod_pipeline.defs.runs import (ARTWORK_LOCK_TAG, IN_FLIGHT, UPLOAD_PATH_TAG, UPLOAD_VERSION_TAG, RunMode,
                                    artworks_partitions, sensor_interval_seconds)
from pod_pipeline.storage.base import Upload, printable
from pod_pipeline.observability import report_errors, with_run_logger
from pod_pipeline.defs.resources import CatalogResource, StorageResource, UploadBatchingResource

BATCH_TAG = "pod/batch_size"
CACHE_ASSETS = (AssetKey("templates"), AssetKey("base_costs"))


def single_run(upload: Upload, lock: str | None = None) -> RunRequest:
    """`lock`: the value of a batch holding this artwork, which the queue makes this run wait for."""
    return RunRequest(
        run_key=upload.run_key,  # same upload version seen twice → one run
        job_name=PUBLISH_ARTWORK,
        partition_key=upload.artwork_id,
        tags={UPLOAD_PATH_TAG: upload.path, UPLOAD_VERSION_TAG: upload.version,
              **({ARTWORK_LOCK_TAG: lock} if lock else {})},
    )


def batch_paths(request_or_run) -> dict[str, str]:
    """A batch's artworks (id → upload path), from its run config."""
    config = request_or_run.run_config or {}
    return dict(config.get("ops", {}).get("artworks", {}).get("config", {}).get("paths", {}))


def batches_in_flight(instance) -> dict[str, str]:
    """Artwork → lock value of the batch runs queued or running now."""
    runs = instance.get_runs(RunsFilter(job_name=PUBLISH_ARTWORK, statuses=IN_FLIGHT))
    return {artwork: run.tags[ARTWORK_LOCK_TAG] for run in runs if ARTWORK_LOCK_TAG in run.tags
            for artwork in batch_paths(run)}


def batch_run(uploads: list[Upload]) -> RunRequest:
    """One range run over new, contiguous partitions; each artwork's path travels in the run
    config (visible in the Launchpad), since tags are per run."""
    if len(uploads) == 1:
        return single_run(uploads[0])
    first, last = uploads[0].artwork_id, uploads[-1].artwork_id
    versions = hashlib.sha256("\n".join(u.run_key for u in uploads).encode()).hexdigest()[:16]
    return RunRequest(
        run_key=f"batch:{first}..{last}@{versions}",
        job_name=PUBLISH_ARTWORK,
        run_config=with_run_logger({"ops": {"artworks": {"config": {"paths": {u.artwork_id: u.path for u in uploads}}}}}),
        tags={ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last,
              BATCH_TAG: str(len(uploads)), ARTWORK_LOCK_TAG: f"batch-{versions}"},
    )


def plan_runs(uploads: list[Upload], new_keys: list[str], size: int,
              locked: dict[str, str] | None = None) -> list[RunRequest]:
    """Batches of the uploads that start new partitions (in the order they are added), and a run
    of its own for each new version of a known artwork. `locked`: artwork → lock value of the
    batches in flight; a new version of one of their artworks (or of this tick's batches) waits
    for its batch in the queue."""
    fresh = set(new_keys)
    first_seen = {}
    for upload in uploads:
        if upload.artwork_id in fresh:
            first_seen.setdefault(upload.artwork_id, upload)
    in_order = [first_seen[key] for key in new_keys]
    runs = [batch_run(in_order[i:i + size]) for i in range(0, len(in_order), size)]
    locked = dict(locked or {})
    for run in runs:
        locked.update(dict.fromkeys(batch_paths(run), run.tags.get(ARTWORK_LOCK_TAG)))
    batched = {id(u) for u in in_order}
    runs += [single_run(upload, locked.get(upload.artwork_id)) for upload in uploads if id(upload) not in batched]
    return runs


def with_recorded_ids(uploads: list[Upload], db) -> list[Upload]:
    """Each upload under the id its artwork is recorded with: artworks recorded before ids had
    128 bits keep their shorter id (and their products), found by path in one catalog query."""
    recorded = db.artwork_ids_for_paths([u.path for u in uploads])
    return [replace(u, artwork_id=recorded[u.path]) if recorded.get(u.path, u.artwork_id) != u.artwork_id else u
            for u in uploads]


def gelato_cache_missing(context: SensorEvaluationContext) -> bool:
    return any(context.instance.get_latest_materialization_event(key) is None for key in CACHE_ASSETS)


@functools.cache
def upload_sensor(mode: RunMode):
    """The sensor, targeting this mode's jobs (one object per mode: features share them)."""

    @sensor(
        name="upload_sensor",
        jobs=[publish_artwork_job(mode), refresh_gelato_cache_job(mode)],
        minimum_interval_seconds=sensor_interval_seconds(mode),
        default_status=DefaultSensorStatus.RUNNING,
        description="Finds new or changed uploads in the artwork bucket (keyset cursor), adds one "
        "partition per artwork and requests publishing runs: a burst of new artworks in batches "
        "(range runs of POD_BATCH_SIZE, 25), a re-upload in a run of its own.",
    )
    def _upload_sensor(context: SensorEvaluationContext, storage: StorageResource, catalog: CatalogResource,
                       batching: UploadBatchingResource) -> SensorResult | SkipReason:
        return find_uploads(context, storage, catalog, batching)

    return _upload_sensor


def find_uploads(context: SensorEvaluationContext, storage: StorageResource, catalog: CatalogResource,
                 batching: UploadBatchingResource) -> SensorResult | SkipReason:
    with report_errors(sensor="upload_sensor"):
        uploads, cursor = storage.open().scan(context.cursor, batching.uploads_per_tick)
        if not uploads:
            return SkipReason("no new uploads")
        # Only when there is work: the event-log read is the costliest part of an idle tick.
        if gelato_cache_missing(context):
            # Artwork runs read the shared template/cost cache; fill it first, then come back (the
            # cursor stays: these uploads are found again). The key changes every 5 minutes, so a
            # failed bootstrap is retried but never stacked.
            window = int(time.time() // 300)
            return SensorResult(run_requests=[RunRequest(run_key=f"bootstrap-gelato-cache-{window}",
                                                         job_name=REFRESH_GELATO_CACHE)])
        # A bad object (no owner folder, a name that is not UTF-8, a link, a FIFO) is one refused
        # upload, reported here and passed by the cursor: it never stops the uploads after it.
        refused = [f"{printable(u.path)}: {u.refused}" for u in uploads if u.refused]
        for line in refused:
            context.log.warning(f"upload refused, {line}")
        uploads = [u for u in uploads if not u.refused]
        if not uploads:
            return SensorResult(skip_reason=f"{len(refused)} uploads refused: " + "; ".join(refused[:5]),
                                cursor=cursor)
        db = catalog.open()
        uploads = with_recorded_ids(uploads, db)
        new_keys = [key for key in dict.fromkeys(u.artwork_id for u in uploads)
                    if not context.instance.has_dynamic_partition(artworks_partitions.name, key)]
        fresh = set(new_keys)
        # A known artwork's upload is new work only if the catalog has not seen this version: a
        # version published in a batch has no run key of its own to deduplicate a re-delivery on.
        uploads = [u for u in uploads if u.artwork_id in fresh
                   or getattr(db.get_artwork(u.artwork_id), "version", None) != u.version]
        again = [u.artwork_id for u in uploads if u.artwork_id not in fresh]
        runs = plan_runs(uploads, new_keys, batching.batch_size,
                         batches_in_flight(context.instance) if again else None)
        context.log.info(f"{len(uploads)} new upload versions, {len(new_keys)} new artworks, {len(runs)} runs")
        return SensorResult(
            run_requests=runs,
            dynamic_partitions_requests=[artworks_partitions.build_add_request(new_keys)] if new_keys else [],
            cursor=cursor,
        )
