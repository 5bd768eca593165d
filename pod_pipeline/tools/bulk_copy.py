"""Listing copy for many artworks at once through the Message Batches API (half price).

For a backfill or a prompt-version change: builds each artwork's copy request exactly as the
`listing` asset does (from the stored `artworks` and `variants` values), sends the ones the
copy cache lacks as batches, and writes the accepted results into the cache. Materializing
`listing` for those partitions afterwards makes no API call; replies that broke a rule are
left to that materialization, which re-asks synchronously."""

from __future__ import annotations

from dagster import AssetKey, DagsterInstance, Definitions

from pod_pipeline.defs.publishing.listing import copy_request
from pod_pipeline.listing.claude import CachedCopywriter, run_batch
from pod_pipeline.defs.runs import artworks_partitions


def prefill_copy_cache(defs: Definitions, instance: DagsterInstance, partition_keys: list[str] | None = None,
                       **wait_options) -> dict:
    seller = defs.resources["settings"].load()
    writer = defs.resources["copywriter"].get(seller.listing, seller.copywriter)
    if not isinstance(writer, CachedCopywriter):
        raise ValueError("bulk copy needs the claude copywriter (POD_COPYWRITER=claude and ANTHROPIC_API_KEY)")
    keys = partition_keys or instance.get_dynamic_partitions(artworks_partitions.name)
    # Rejected or unprintable artworks have no `variants`: there is no copy to write for them.
    ready = instance.get_materialized_partitions(AssetKey("variants"))
    skipped = [key for key in keys if key not in ready]
    requests = {}
    with defs.get_asset_value_loader(instance=instance) as loader:
        templates = loader.load_asset_value(AssetKey("templates"))
        for key in (k for k in keys if k in ready):
            artwork = loader.load_asset_value(AssetKey("artworks"), partition_key=key)
            variants = loader.load_asset_value(AssetKey("variants"), partition_key=key)
            request = copy_request(artwork, variants, templates, seller)
            if not writer.has(request):
                requests[key] = request
    outcome = run_batch(writer.inner, requests, cache=writer, **wait_options) if requests else None
    return {
        "artworks": len(keys), "already_cached": len(keys) - len(skipped) - len(requests),
        "not_materialized": len(skipped), "batched": len(requests),
        "written": len(outcome.results) if outcome else 0,
        "left_to_sync": sorted(outcome.needs_sync) if outcome else [],
        "failed": outcome.failed if outcome else {}, "batch_ids": outcome.batch_ids if outcome else [],
    }
