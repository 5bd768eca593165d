"""The upload sensor: new files in the bucket become artwork partitions and publishing runs."""

import os
import time

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pod_pipeline.jobs import publish_artwork_job, refresh_gelato_cache_job
from pod_pipeline.partitions import UPLOAD_PATH_TAG, UPLOAD_VERSION_TAG, artworks_partitions
from pod_pipeline.resources import StorageResource

# Bounded work per tick keeps a bulk upload of thousands far from the 60 s tick timeout.
MAX_UPLOADS_PER_TICK = int(os.environ.get("POD_SENSOR_MAX_UPLOADS", "50"))
CACHE_ASSETS = (AssetKey("templates"), AssetKey("base_costs"))


def gelato_cache_missing(context: SensorEvaluationContext) -> bool:
    return any(context.instance.get_latest_materialization_event(key) is None for key in CACHE_ASSETS)


@sensor(
    jobs=[publish_artwork_job, refresh_gelato_cache_job],
    minimum_interval_seconds=15,
    default_status=DefaultSensorStatus.RUNNING,
    description="Finds new or changed uploads in the artwork bucket (keyset cursor), adds one "
    "partition per artwork and requests one publishing run per upload version.",
)
def upload_sensor(context: SensorEvaluationContext, storage: StorageResource) -> SensorResult | SkipReason:
    if gelato_cache_missing(context):
        # Artwork runs read the shared template/cost cache; fill it first, then come back.
        # The key changes every 5 minutes, so a failed bootstrap is retried but never stacked.
        window = int(time.time() // 300)
        return SensorResult(run_requests=[RunRequest(run_key=f"bootstrap-gelato-cache-{window}",
                                                     job_name=refresh_gelato_cache_job.name)])
    uploads, cursor = storage.open().scan(context.cursor, MAX_UPLOADS_PER_TICK)
    if not uploads:
        return SkipReason("no new uploads")
    new_keys = [key for key in dict.fromkeys(u.artwork_id for u in uploads)
                if not context.instance.has_dynamic_partition(artworks_partitions.name, key)]
    runs = [
        RunRequest(
            run_key=upload.run_key,  # same upload version seen twice → one run
            job_name=publish_artwork_job.name,
            partition_key=upload.artwork_id,
            tags={UPLOAD_PATH_TAG: upload.path, UPLOAD_VERSION_TAG: upload.version},
        )
        for upload in uploads
    ]
    context.log.info(f"{len(uploads)} uploads, {len(new_keys)} new artworks")
    return SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[artworks_partitions.build_add_request(new_keys)] if new_keys else [],
        cursor=cursor,
    )
