"""Creating store products exactly once (following them afterwards is the status sensor's job:
see `following.py`).

Gelato's create call has no idempotency key: a blind retry after a timeout can publish a
duplicate listing. So the intent is written to the catalog before the POST, the returned id is
stored at once, and an ambiguous failure is settled by looking for the product in the store
before any new POST.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pod_pipeline.catalog.base import Catalog
from pod_pipeline.catalog.rows import ProductRow
from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.gelato.errors import GelatoAmbiguousCreate, GelatoClientError, GelatoError, GelatoNotFound
from pod_pipeline.gelato.models import CreateFromTemplate, PlaceholderFile, StoreProduct, Template, VariantFiles
from pod_pipeline.observability.context import log_context
from pod_pipeline.artwork.printability import placeholders_to_fill
from pod_pipeline.publishing.product_status import gelato_status
from pod_pipeline.settings.publishing import PublishingSettings

log = logging.getLogger(__name__)
# Store clocks and ours differ; a product created this long before our intent is not ours.
CLOCK_SKEW = timedelta(minutes=2)


def create_body(template: Template, *, title: str, description: str, tags: list[str], file_url: str,
                fit_method: str, placeholders: list[str] | None, product_type: str | None,
                visible: bool, files: dict[tuple[str, str], str] | None = None) -> CreateFromTemplate:
    """Every template variant is listed with the artwork: Gelato would create any variant left
    out anyway, with the template's own art. `files`: each placeholder's own print file by
    (template variant id, placeholder name), already cropped to its aspect, so Gelato's `slice`
    has nothing left to cut (bar the bleed); a placeholder without one gets `file_url`."""
    files = files or {}
    return CreateFromTemplate(
        templateId=template.id, title=title, description=description, tags=tags,
        isVisibleInTheOnlineStore=visible, productType=product_type or template.product_type,
        variants=[
            VariantFiles(
                templateVariantId=variant.id,
                imagePlaceholders=[
                    PlaceholderFile(name=p.name, fileUrl=files[variant.id, p.name], fitMethod="slice")
                    if (variant.id, p.name) in files else PlaceholderFile(name=p.name, fileUrl=file_url,
                                                                          fitMethod=fit_method)
                    for p in placeholders_to_fill(variant, placeholders)],
            )
            for variant in template.variants
        ],
    )


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class CreateInProgress(Exception):
    """Another run holds a fresh claim on this product's create: wait, then adopt its result."""

    def __init__(self, title: str, retry_after: float):
        super().__init__(f"another run is creating {title!r}; retrying in {retry_after:.0f} s to adopt its product")
        self.retry_after = retry_after


def find_in_store(client: GelatoClient, store_id: str, title: str, variant_titles: list[str],
                  since: datetime | None, catalog: Catalog) -> StoreProduct | None:
    """The store product an earlier, ambiguous create made: same title and the same variant
    titles, created after our intent, and not already another catalog row's product. The list
    is newest first, so paging stops at the intent."""
    wanted = sorted(variant_titles)
    for product in client.iter_products(store_id, order="desc", order_by="createdAt"):
        created = parse_time(product.created_at)
        if since and created and created < since - CLOCK_SKEW:
            return None
        if product.title != title or sorted(v.title or "" for v in product.variants) != wanted:
            continue
        if catalog.product_with_gelato_id(product.id) is None:
            return product
    return None


def is_outdated(existing: ProductRow | None, artwork_checksum: str) -> bool:
    """The product was made from another version of the artwork (a re-upload with new bytes)."""
    return bool(existing and existing.gelato_product_id and existing.artwork_checksum
                and existing.artwork_checksum != artwork_checksum)


def retire_outdated(client: GelatoClient, catalog: Catalog, store_id: str, existing: ProductRow) -> None:
    """Gelato cannot swap a product's files: the old product is deleted before its replacement is
    created, so the store never lists both versions. Its create claim is released with it: the
    claim belonged to the product just deleted, and the replacement's create goes out at once
    instead of waiting out that claim's lease."""
    with _row_context(existing, gelato_product_id=existing.gelato_product_id):
        gone = client.delete_product(store_id, existing.gelato_product_id)
        log.info("artwork changed: %s product %s", "deleted" if gone else "already gone:", existing.gelato_product_id)
        catalog.update_product(existing.id, gelato_product_id=None, external_id=None, published_at=None,
                               publishing_error_code=None, artwork_checksum=None, next_check_at=None, status_checks=0,
                               republish_reason=None, status="pending", lease_until=None,
                               reason=f"replacing: {existing.republish_reason or 'the artwork changed'}")


def _row_context(row: ProductRow, **more: str | None):
    """Log lines and Sentry events about this product name its artwork, template and product."""
    return log_context(artwork_id=row.artwork_id, template_id=row.template_id, store=row.store, product_id=row.id,
                       **more)


def _lease_left(catalog: Catalog, product_id: str) -> float:
    """Seconds until the current create claim may be taken over (at least 1)."""
    row = catalog.get_product(product_id)
    if row is None or row.lease_until is None:
        return 1.0
    return max(1.0, (row.lease_until - datetime.now(row.lease_until.tzinfo)).total_seconds() + 0.5)


def ensure_created(client: GelatoClient, catalog: Catalog, store_id: str, row: ProductRow,
                   body: CreateFromTemplate, variant_titles: list[str], artwork_checksum: str,
                   publishing: PublishingSettings | None = None) -> StoreProduct:
    """The Gelato product for `row`, made from this artwork version: adopted when one exists,
    created (once) when not. Callers retire outdated products first (`retire_outdated`)."""
    with _row_context(row):
        return _ensure_created(client, catalog, store_id, row, body, variant_titles, artwork_checksum, publishing)


def _ensure_created(client: GelatoClient, catalog: Catalog, store_id: str, row: ProductRow,
                    body: CreateFromTemplate, variant_titles: list[str], artwork_checksum: str,
                    publishing: PublishingSettings | None) -> StoreProduct:
    existing = catalog.get_product(row.id)
    if existing and existing.gelato_product_id:
        try:
            return client.get_product(store_id, existing.gelato_product_id)
        except GelatoNotFound:
            log.warning("product %s was deleted in Gelato; creating it again", existing.gelato_product_id)
            catalog.update_product(row.id, gelato_product_id=None, status="deleted", lease_until=None)
    elif existing and existing.create_attempts > 0:
        # An earlier claim never recorded a product id: its POST may still have made one.
        adopted = find_in_store(client, store_id, body.title, variant_titles, existing.intent_at, catalog)
        if adopted:
            log.info("adopting product %s from an earlier ambiguous create", adopted.id)
            catalog.update_product(row.id, gelato_product_id=adopted.id, status=gelato_status(adopted),
                                   artwork_checksum=artwork_checksum)
            return adopted

    publishing = publishing or PublishingSettings()
    if catalog.claim_create(row.id, publishing.create_lease_seconds) is None:
        raise CreateInProgress(body.title, retry_after=_lease_left(catalog, row.id))
    try:
        product = client.create_product(store_id, body)
    except GelatoAmbiguousCreate:
        # Status stays `creating`; after a short grace the next attempt reconciles, then POSTs.
        catalog.shorten_create_lease(row.id, publishing.ambiguous_retry_seconds)
        raise
    except GelatoClientError as rejected:
        # Gelato refused the body: nothing was created and resending it would fail the same way.
        catalog.update_product(row.id, status="publishing_error", reason=str(rejected))
        catalog.shorten_create_lease(row.id, 0)
        raise
    except GelatoError:
        # Provably not processed (429, or the request never left): the claim is free at once.
        catalog.shorten_create_lease(row.id, 0)
        raise
    catalog.update_product(row.id, gelato_product_id=product.id, status=gelato_status(product),
                           artwork_checksum=artwork_checksum)
    return product
