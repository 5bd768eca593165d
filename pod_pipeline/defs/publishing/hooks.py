"""Every upload ends in a state a person can read: when a step of a publishing run fails for a
reason no asset recorded (an unexpected error, retries exhausted, a check gating a whole batch),
every artwork of the run still `processing` is marked `failed` with that reason. Artworks stopped
on their own already carry their reason, and handed-over ones (`publishing`) are the status
sensor's: both are untouched."""

from dagster import HookContext, failure_hook

from pod_pipeline.defs.dagster_private import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from pod_pipeline.catalog.rows import FINAL_ARTWORK_STATUSES
from pod_pipeline.defs.runs import artworks_partitions


def failure_reason(context: HookContext) -> str:
    error = context.op_exception
    detail = getattr(error, "description", None) or (str(error) if error else "") or "see the run's logs"
    return f"{context.step_key} failed: {detail}"


def artworks_of_run(context: HookContext) -> list[str]:
    run = context.instance.get_run_by_id(context.run_id)
    if run is None:
        return []
    single = run.tags.get("dagster/partition")
    if single:
        return [single]
    first, last = run.tags.get(ASSET_PARTITION_RANGE_START_TAG), run.tags.get(ASSET_PARTITION_RANGE_END_TAG)
    if not (first and last):
        return []
    keys = artworks_partitions.get_partition_keys(dynamic_partitions_store=context.instance)
    return keys[keys.index(first):keys.index(last) + 1] if first in keys and last in keys else []


@failure_hook(required_resource_keys={"catalog"})
def record_artwork_failure(context: HookContext) -> None:
    keys = artworks_of_run(context)
    if not keys:
        return
    catalog = context.resources.catalog.open()
    reason = failure_reason(context)
    for artwork_id in keys:
        artwork = catalog.get_artwork(artwork_id)
        # `publishing`: handed over, its products exist and the status sensor settles it.
        if artwork is not None and artwork.status not in FINAL_ARTWORK_STATUSES and artwork.status != "publishing":
            catalog.set_artwork_status(artwork_id, "failed", reason)
