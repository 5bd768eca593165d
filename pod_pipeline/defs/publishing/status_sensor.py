"""The status sensor: follows every created product until it is live or failed, so publishing
runs never sit waiting for Gelato.

Its state is the catalog itself (unprocessed webhook events, each product's next check), not a
cursor: any tick on any daemon picks up exactly where the last stopped, and a product whose
check failed is simply due again.
"""

import functools
import time

import pandas as pd
from dagster import (
    AssetKey,
    AssetObservation,
    DefaultSensorStatus,
    MetadataValue,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pod_pipeline.publishing.following import Follower, FollowReport
from pod_pipeline.defs.gelato_resource import GelatoResource
from pod_pipeline.defs.gelato_cache.jobs import REFRESH_GELATO_CACHE, refresh_gelato_cache_job
from pod_pipeline.observability.sentry import report_errors
from pod_pipeline.defs.resources import CatalogResource, SettingsResource
from pod_pipeline.defs.runs import RunMode, sensor_interval_seconds
from pod_pipeline.defs.ui_metadata import product_links, table

PUBLISHED_PRODUCTS = AssetKey("published_products")
TEMPLATES = AssetKey("templates")
# Template names by the `templates` materialization they were read from. The code server keeps it
# between ticks; loading the asset each tick that moved a product cost ~40 ms at 200 products.
_TITLES: dict[tuple[str, float], dict[str, str]] = {}


def cached_template_titles(context: SensorEvaluationContext) -> dict[str, str]:
    """Names for the artwork's reason, from the cached `templates` (no Gelato call)."""
    latest = context.instance.get_latest_materialization_event(TEMPLATES)
    if latest is None:  # no cache yet: ids are still a readable reason
        context.log.warning("template names unavailable (templates not materialized); reasons name template ids")
        return {}
    version = (latest.run_id, latest.timestamp)
    titles = _TITLES.get(version)  # one read: another evaluation in this process may clear it
    if titles is None:
        try:
            cached = context.repository_def.load_asset_value(TEMPLATES, instance=context.instance)
        except Exception as missing:
            context.log.warning(f"template names unavailable ({missing!r}); reasons name template ids")
            return {}
        titles = {template_id: template.title for template_id, template in cached.items()}
        _TITLES.clear()
        _TITLES[version] = titles
    return titles


def current_products(catalog, artwork_id: str, titles: dict[str, str]) -> list[dict]:
    """The artwork's products as the catalog holds them now: one truth, whatever moved."""
    return [{"template": titles.get(p.template_id, p.template_id), "store": p.store, "status": p.status,
             "reason": p.reason or "",
             "external_id": p.external_id or "", "gelato_product_id": p.gelato_product_id or ""}
            for p in catalog.products_for(artwork_id)]


def observations(report: FollowReport, catalog, titles: dict[str, str]) -> list[AssetObservation]:
    """One observation per artwork partition that changed: the artwork's current status and every
    product's current state (the same figures the run's materialization gives, now true), then
    this tick's moves. The latest event of a partition is always its truth."""
    events = []
    for artwork_id in report.artworks:
        moves = [t for t in report.transitions if t.artwork_id == artwork_id]
        products = current_products(catalog, artwork_id, titles)
        artwork = catalog.get_artwork(artwork_id)
        statuses = [p["status"] for p in products]
        metadata = {
            "artwork_status": artwork.status if artwork else "unknown",
            "artwork_reason": MetadataValue.text((artwork.reason if artwork else None) or ""),
            "products_live": statuses.count("active"),
            "products_publishing": sum(s in ("created", "publishing", "stalled") for s in statuses),
            "products_failed": sum(s in ("publishing_error", "deleted") for s in statuses),
            "products": table(pd.DataFrame(products, columns=["template", "store", "status", "reason", "external_id",
                                                              "gelato_product_id"])),
            "links": MetadataValue.md(product_links(products)),
            "changes": table(pd.DataFrame([{
                "product": titles.get(t.template_id, t.template_id), "from": t.old_status, "to": t.new_status,
                "reason": t.reason or "", "seen_by": t.source, "gelato_product_id": t.gelato_product_id}
                for t in moves], columns=["product", "from", "to", "reason", "seen_by", "gelato_product_id"])),
        }
        events.append(AssetObservation(asset_key=PUBLISHED_PRODUCTS, partition=artwork_id, metadata=metadata,
                                       description="status seen in Gelato by the status sensor"))
    return events


@functools.cache
def product_status_sensor(mode: RunMode):
    """The sensor, targeting this mode's cache refresh job (one object per mode)."""

    @sensor(
        name="product_status_sensor",
        jobs=[refresh_gelato_cache_job(mode)],
        minimum_interval_seconds=sensor_interval_seconds(mode),
        default_status=DefaultSensorStatus.RUNNING,
        description="Follows created products until live or failed: stored Gelato webhook events first "
        "(each product re-fetched), then polling with exponential backoff. Writes each transition to the "
        "catalog and observes it on the artwork's published_products partition; marks stalled products; "
        "flags products for republishing when Gelato deletes them or changes their template.",
    )
    def _product_status_sensor(context: SensorEvaluationContext, gelato: GelatoResource, catalog: CatalogResource,
                               settings: SettingsResource) -> SensorResult | SkipReason:
        return follow_products(context, gelato, catalog, settings)

    return _product_status_sensor


def follow_products(context: SensorEvaluationContext, gelato: GelatoResource, catalog: CatalogResource,
                    settings: SettingsResource) -> SensorResult | SkipReason:
    seller = settings.load()

    template_titles = functools.cache(lambda: cached_template_titles(context))

    # Dagster only logs a failed tick: report it (tagged with the product it failed on) when Sentry is on.
    db = catalog.open()
    with report_errors(sensor="product_status_sensor"), gelato.client() as client:
        report = Follower(db, client, {s.name: s.gelato_store_id for s in seller.all_stores()}, seller.publishing, template_titles=template_titles).tick()
        calls = sum(client.calls.values())
    summary = (f"{report.events_processed} webhook events, {report.products_checked} products checked "
               f"({report.check_errors} failed checks), {len(report.transitions)} changes, {calls} Gelato calls")
    runs = []
    if report.templates_changed:
        # The cached templates are stale; one refresh per minute at most, however many events.
        runs.append(RunRequest(run_key=f"template-change-{int(time.time() // 60)}",
                               job_name=REFRESH_GELATO_CACHE))
    events = observations(report, db, template_titles()) if report.artworks else []
    if not events and not runs:
        return SkipReason(summary)
    context.log.info(summary)
    # Without a run request the UI would call this tick "0 runs requested" however many products
    # it moved: the summary is what the tick did.
    return SensorResult(asset_events=events, run_requests=runs, skip_reason=None if runs else summary)
