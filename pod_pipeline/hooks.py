"""Every upload ends in a state a person can read: when a step of an artwork's run fails for a
reason no asset recorded (an unexpected error, retries exhausted, a blocking check), the
artwork is marked `failed` with that reason instead of being left `processing`."""

from dagster import HookContext, failure_hook

from pod_pipeline.catalog.rows import FINAL_ARTWORK_STATUSES


def failure_reason(context: HookContext) -> str:
    error = context.op_exception
    detail = getattr(error, "description", None) or (str(error) if error else "") or "see the run's logs"
    return f"{context.step_key} failed: {detail}"


@failure_hook(required_resource_keys={"catalog"})
def record_artwork_failure(context: HookContext) -> None:
    run = context.instance.get_run_by_id(context.run_id)
    artwork_id = run.tags.get("dagster/partition") if run else None
    if not artwork_id:
        return
    catalog = context.resources.catalog.open()
    artwork = catalog.get_artwork(artwork_id)
    if artwork is not None and artwork.status not in FINAL_ARTWORK_STATUSES:
        catalog.set_artwork_status(artwork_id, "failed", failure_reason(context))
