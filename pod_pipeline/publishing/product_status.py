"""What a Gelato store product's state means for the catalog: the product row's next status, its
variants' store ids, and the artwork's outcome once its products settle.

Pure functions: the status sensor and the publishing run both write what these return.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Sequence

from pod_pipeline.catalog.rows import ProductRow, VariantRow
from pod_pipeline.gelato.models import StoreProduct
from pod_pipeline.settings.publishing import PublishingSettings
from pod_pipeline.settings.rollout import is_held_back

# A variant the seller chose not to sync is as done as a connected one.
DONE_CONNECTIONS = ("connected", "ignored")
# Gelato is still working on these: the artwork waits for them. (`stalled` ones are still
# followed, but the artwork's outcome is told rather than left waiting for ever.)
FOLLOWED_BY_SENSOR = ("created", "publishing")


def unconnected_variants(product: StoreProduct) -> int:
    return sum(v.connection_status not in DONE_CONNECTIONS for v in product.variants)


def is_live(product: StoreProduct) -> bool:
    """Live for a shopper: active, with the store's listing id, and every variant connected."""
    return product.is_live and unconnected_variants(product) == 0


def gelato_status(product: StoreProduct) -> str:
    """Gelato's status as a catalog status. `active` without a marketplace id or with variants
    still connecting is not live yet, and a status Gelato adds later must not corrupt the row:
    both read as still publishing."""
    if product.is_failed:
        return "publishing_error"
    if product.status == "active":
        return "active" if is_live(product) else "publishing"
    return product.status if product.status in ("created", "publishing") else "publishing"


def settled(product: StoreProduct) -> bool:
    return is_live(product) or product.is_failed


def _waiting_reason(product: StoreProduct) -> str | None:
    if product.status != "active":
        return None
    if not product.external_id:
        return "active in Gelato, waiting for the store's listing id"
    return f"{unconnected_variants(product)} of {len(product.variants)} variants not connected to the store yet"


def status_fields(row: ProductRow, product: StoreProduct | None, publishing: PublishingSettings,
                  at: datetime) -> dict[str, Any]:
    """The product row's columns after seeing `product` in Gelato (None: Gelato answered 404).
    A product still on its way gets its next poll, backing off, and turns `stalled` once it has
    been on its way longer than `stalled_after_seconds`."""
    if product is None:
        return {"status": "deleted", "reason": "the product was deleted in Gelato", "next_check_at": None,
                "republish_reason": "the product was deleted in Gelato: publish the artwork again to recreate it"}
    fields: dict[str, Any] = {"external_id": product.external_id or None,
                              "publishing_error_code": product.publishing_error_code}
    if is_live(product):
        return {**fields, "status": "active", "reason": None, "next_check_at": None,
                "published_at": product.published_at or at}
    if product.is_failed:
        return {**fields, "status": "publishing_error", "next_check_at": None,
                "reason": f"Gelato could not publish: {product.publishing_error_code or 'no error code given'}"}
    status, reason = gelato_status(product), _waiting_reason(product)
    started = row.intent_at or row.updated_at
    waited = (at - started).total_seconds() if started else 0.0
    if waited > publishing.stalled_after_seconds:
        status = "stalled"
        reason = f"still {product.status} in Gelato after {waited / 60:.0f} min" + (f" ({reason})" if reason else "")
    return {**fields, "status": status, "reason": reason, "status_checks": row.status_checks + 1,
            "next_check_at": at + timedelta(seconds=publishing.check_interval(row.status_checks))}


def changed_fields(row: ProductRow, fields: dict[str, Any]) -> dict[str, Any]:
    """Only what differs from the row: an unchanged product is not rewritten (the frontend
    would see an update for nothing), except its polling schedule."""
    schedule = {"next_check_at", "status_checks"}
    return {k: v for k, v in fields.items() if k in schedule or getattr(row, k) != v}


def linked_variants(rows: Sequence[VariantRow], product: StoreProduct) -> list[VariantRow] | None:
    """The catalog variants with the store's variant ids and connection states, matched by
    title; None when nothing changed."""
    store = {v.title: v for v in product.variants}
    linked, changed = [], False
    for row in rows:
        match = store.get(row.title)
        update = {"gelato_variant_id": match.id if match else None,
                  "external_id": (match.external_id or None) if match else None,
                  "connection_status": match.connection_status if match else None}
        changed |= any(getattr(row, k) != v for k, v in update.items())
        linked.append(row.model_copy(update=update))
    return linked if changed else None


def _not_live_reason(product: ProductRow) -> str:
    if product.status in ("pending", "creating"):
        return "not created in Gelato: the publishing run did not finish; run the artwork again"
    return product.reason or product.status


def artwork_outcome(products: Sequence[ProductRow], template_titles: dict[str, str] | None = None
                    ) -> tuple[str, str | None]:
    """The artwork's status once every product has settled (else `publishing`), with a reason
    naming each product that is not live."""
    titles = template_titles or {}
    several_stores = len({p.store for p in products}) > 1
    # A product a rollout has not reached yet is not a failure of this artwork.
    reached = [p for p in products if not (p.status == "skipped" and is_held_back(p.reason))]
    if products and not reached:
        return "partial", "no product yet: every store and template it would go to is held back by a rollout"
    products = reached
    waiting = [p for p in products if p.status in FOLLOWED_BY_SENSOR]
    live = [p for p in products if p.status == "active"]
    if waiting:
        return "publishing", f"waiting for Gelato: {len(live)} of {len(products)} products live, " \
                             f"{len(waiting)} still publishing"
    others = [p for p in products if p.status != "active"]
    if not others:
        return "published", None
    # The same template refused for the same reason in several stores is said once, naming them.
    stores_by_reason: dict[tuple[str, str], list[str]] = {}
    for p in others:
        stores_by_reason.setdefault((titles.get(p.template_id, p.template_id), _not_live_reason(p)), []).append(p.store)
    reasons = "; ".join(f"{title} in {', '.join(stores)}: {reason}" if several_stores else f"{title}: {reason}"
                        for (title, reason), stores in stores_by_reason.items())
    return ("partial" if live else "failed"), reasons
