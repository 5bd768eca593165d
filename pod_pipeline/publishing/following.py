"""One pass of following products after their create, as the status sensor runs it each tick.

Webhook events come first: each names a store product, which is re-fetched (a payload is never
trusted: it may be stale, forged or reordered). Then the polling backstop: products whose next
check is due. Every status change is written to the catalog row at once, the product's variants
get their store ids, and an artwork whose products have all settled gets its final status.
Template events flag the products made from that template for republishing.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Mapping
from datetime import datetime, timedelta

from pod_pipeline.catalog.base import Catalog
from pod_pipeline.catalog.rows import ProductRow, WebhookEvent, now
from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.gelato.errors import GelatoError, GelatoNotFound
from pod_pipeline.gelato.models import StoreProduct
from pod_pipeline.observability.context import log_context
from pod_pipeline.storage.base import printable
from pod_pipeline.publishing.product_status import artwork_outcome, changed_fields, linked_variants, status_fields
from pod_pipeline.publishing.ledger import parse_time
from pod_pipeline.settings.publishing import PublishingSettings
from pod_pipeline.webhooks.events import STORE_PRODUCT_EVENTS

log = logging.getLogger(__name__)

EVENT_RETENTION = timedelta(days=30)
TEMPLATE_CHANGES = ("store_product_template_updated", "store_product_template_deleted")
IN_PROGRESS = ("created", "publishing")


@dataclass(frozen=True)
class Transition:
    """One product's status change, as shown in Dagster and the sensor's log."""

    artwork_id: str
    product_id: str
    template_id: str
    gelato_product_id: str | None
    old_status: str
    new_status: str
    reason: str | None
    source: str  # webhook | poll | template


@dataclass
class FollowReport:
    transitions: list[Transition] = field(default_factory=list)
    artwork_outcomes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    events_processed: int = 0
    events_purged: int = 0  # processed events past their retention, deleted this tick
    products_checked: int = 0
    check_errors: int = 0
    templates_changed: list[str] = field(default_factory=list)

    @property
    def artworks(self) -> list[str]:
        return list(dict.fromkeys([t.artwork_id for t in self.transitions] + list(self.artwork_outcomes)))


class UnknownStore(Exception):
    """A product of a store the settings no longer name: it cannot be looked up."""


def _fetch(client: GelatoClient, store_ids: Mapping[str, str],
           row: ProductRow) -> tuple[ProductRow, StoreProduct | None, Exception | None]:
    if row.store not in store_ids:
        return row, None, UnknownStore(f"store {row.store!r} is not in the settings' stores")
    try:
        return row, client.get_product(store_ids[row.store], row.gelato_product_id), None
    except GelatoNotFound:
        return row, None, None
    except GelatoError as error:  # retries are spent; polling comes back to it
        return row, None, error


def _product_context(row: ProductRow):
    """Every log line (and Sentry event) while handling `row` names its artwork and product."""
    return log_context(artwork_id=row.artwork_id, template_id=row.template_id, store=row.store, product_id=row.id,
                       gelato_product_id=row.gelato_product_id)


def _fetch_in_context(client: GelatoClient, store_ids: Mapping[str, str],
                      row: ProductRow) -> tuple[ProductRow, StoreProduct | None, Exception | None]:
    # Pool threads start from an empty context (contextvars do not cross into them): set it here.
    with _product_context(row):
        return _fetch(client, store_ids, row)


def _still_in_progress(event: WebhookEvent) -> bool:
    """An event saying the product is still being made (created, publishing, or active but not
    yet listed by the store) earns no GET: it could not settle anything, and the product's
    polling schedule stands. Only an event that may be final (listed, failed, deleted, or
    without a status) is checked against Gelato, so a product followed by webhooks costs one
    status GET. A forged or stale "in progress" event can only delay a check until the next poll."""
    if event.event == "store_product_deleted":
        return False
    status = event.payload.get("status")
    return status in IN_PROGRESS or (status == "active" and not event.payload.get("externalId"))


def _template_id(event: WebhookEvent) -> str | None:
    payload = event.payload
    return payload.get("templateId") or payload.get("storeProductTemplateId")


class Follower:
    """Follows the products of the seller's stores; `tick()` does one bounded pass. `stores`: each
    store's Gelato id by its name (a bare id is the store `main`)."""

    def __init__(self, catalog: Catalog, client: GelatoClient, stores: str | Mapping[str, str],
                 publishing: PublishingSettings,
                 *, template_titles: Callable[[], dict[str, str]] = dict, time_budget_seconds: float = 40.0,
                 event_batch: int = 500):
        self.catalog, self.client = catalog, client
        self.store_ids = {"main": stores} if isinstance(stores, str) else dict(stores)
        self.template_titles = template_titles  # read only when an artwork settles
        self.publishing = publishing
        self.time_budget_seconds = time_budget_seconds
        self.event_batch = event_batch

    def tick(self) -> FollowReport:
        report = FollowReport()
        started = time.monotonic()
        events = self.catalog.unprocessed_webhook_events(self.event_batch)
        named = [e.store_product_id for e in events
                 if e.event in STORE_PRODUCT_EVENTS and e.store_product_id and not _still_in_progress(e)]
        from_webhooks = self.catalog.products_with_gelato_ids(named)
        self._check(from_webhooks, "webhook", report)
        unverified = {event.id for event in events
                      if event.event in TEMPLATE_CHANGES and not self._flag_template(event, report)}
        # An event Gelato could not be asked about stays for the next tick.
        self.catalog.mark_webhook_events_processed([e.id for e in events if e.id not in unverified])
        report.events_processed = len(events)
        # Retention: a processed event is history after a month; a bounded delete per tick keeps
        # the table small without ever taking long.
        report.events_purged = self.catalog.purge_webhook_events(now() - EVENT_RETENTION)

        seen = {p.id for p in from_webhooks}
        remaining = self.publishing.checks_per_tick - len(seen)
        if remaining > 0 and time.monotonic() - started < self.time_budget_seconds:
            due = [p for p in self.catalog.products_due(remaining) if p.id not in seen]
            self._check(due, "poll", report)
        self._settle_artworks(report)
        return report

    def _check(self, rows: list[ProductRow], source: str, report: FollowReport) -> None:
        if not rows:
            return
        at = now()
        workers = min(self.publishing.check_concurrency, len(rows))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gelato-status") as pool:
            fetched = list(pool.map(lambda row: _fetch_in_context(self.client, self.store_ids, row), rows))
        variants_by_product = {}
        for row, product, error in fetched:
            with _product_context(row):
                self._record(row, product, error, source, at, report, variants_by_product)
        if variants_by_product:
            self.catalog.replace_artwork_variants(variants_by_product)

    def _record(self, row: ProductRow, product: StoreProduct | None, error: Exception | None, source: str,
                at: datetime, report: FollowReport, variants_by_product: dict) -> None:
        report.products_checked += 1
        if error is not None:
            report.check_errors += 1
            log.warning("status check of product %s failed, polling again later: %s", row.gelato_product_id, error)
            retry_at = at + timedelta(seconds=self.publishing.first_check_seconds)
            self.catalog.update_product(row.id, next_check_at=retry_at)
            return
        fields = changed_fields(row, status_fields(row, product, self.publishing, at))
        if "status" in fields or "reason" in fields or "external_id" in fields:
            report.transitions.append(Transition(
                artwork_id=row.artwork_id, product_id=row.id, template_id=row.template_id,
                gelato_product_id=row.gelato_product_id, old_status=row.status,
                new_status=fields.get("status", row.status), reason=fields.get("reason", row.reason),
                source=source))
        self.catalog.update_product(row.id, **fields)  # at once: the frontend watches this row
        if product is not None:
            linked = linked_variants(self.catalog.variants_for(row.id), product)
            if linked is not None:
                variants_by_product[row.id] = linked

    def _flag_template(self, event: WebhookEvent, report: FollowReport) -> bool:
        """Flag the products a template change outdates, after asking Gelato: anyone holding the
        shared secret can post an event, and a forged `…_deleted` would have every product of a
        live template deleted and made again. Deleted counts only when Gelato answers 404;
        updated, only for products made before the template's `updatedAt`. Returns False when
        Gelato could not be asked (the event is kept for the next tick)."""
        template_id = _template_id(event)
        if template_id is None:
            log.warning("%s %s names no template: only the template cache is refreshed", printable(event.event),
                        printable(event.id))
            report.templates_changed.append("")
            return True
        try:
            template = self.client.get_template(template_id)
        except GelatoNotFound:
            template = None
        except GelatoError as error:
            log.warning("template %s could not be checked with Gelato (%s): the event waits for the next tick",
                        printable(template_id), error)
            return False
        deleted = event.event.endswith("deleted")
        changed_at = parse_time(template.updated_at) if template is not None else None
        if deleted and template is not None or not deleted and (template is None or changed_at is None):
            log.warning("ignored %s %s: Gelato says template %s %s", printable(event.event), printable(event.id),
                        printable(template_id), "exists" if template is not None else "is gone or has no updatedAt")
            return True
        report.templates_changed.append(template_id)
        change = "deleted" if deleted else "updated"
        reason = f"the Gelato template {template_id} was {change} ({event.received_at:%Y-%m-%d %H:%M} UTC): " + (
            "remove it from the settings" if deleted else "publish the artwork again to pick up the change")
        for row in self.catalog.products_in_store(template_id):
            made_at = row.intent_at or row.published_at
            if row.republish_reason == reason or (not deleted and made_at and made_at >= changed_at):
                continue  # already flagged, or made from the template as it is now
            with _product_context(row):
                log.info("flagged for republishing: %s", reason)
                self.catalog.update_product(row.id, republish_reason=reason)
            report.transitions.append(Transition(
                artwork_id=row.artwork_id, product_id=row.id, template_id=row.template_id,
                gelato_product_id=row.gelato_product_id, old_status=row.status, new_status=row.status,
                reason=reason, source="template"))
        return True

    def _settle_artworks(self, report: FollowReport) -> None:
        titles: dict[str, str] | None = None
        for artwork_id in dict.fromkeys(t.artwork_id for t in report.transitions if t.source != "template"):
            artwork = self.catalog.get_artwork(artwork_id)
            if artwork is None:
                continue
            titles = self.template_titles() if titles is None else titles
            status, reason = artwork_outcome(self.catalog.products_for(artwork_id), titles)
            if (status, reason) != (artwork.status, artwork.reason):
                with log_context(artwork_id=artwork_id):
                    log.info("artwork %s: %s", status, reason or "")
                    self.catalog.set_artwork_status(artwork_id, status, reason)
            report.artwork_outcomes[artwork_id] = (status, reason)
