"""Creating store products exactly once and following them until they are live.

Gelato's create call has no idempotency key: a blind retry after a timeout can publish a
duplicate listing. So the intent is written to the catalog before the POST, the returned id is
stored at once, and an ambiguous failure is settled by looking for the product in the store
before any new POST.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Callable

from pod_pipeline.catalog.base import Catalog
from pod_pipeline.catalog.rows import ProductRow, now
from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.gelato.errors import GelatoAmbiguousCreate, GelatoClientError, GelatoNotFound
from pod_pipeline.gelato.models import CreateFromTemplate, PlaceholderFile, StoreProduct, Template, VariantFiles
from pod_pipeline.printability import placeholders_to_fill

log = logging.getLogger(__name__)

FINAL_GELATO_STATUSES = frozenset({"active", "publishing_error"})
# Store clocks and ours differ; a product created this long before our intent is not ours.
CLOCK_SKEW = timedelta(minutes=2)


def create_body(template: Template, *, title: str, description: str, tags: list[str], file_url: str,
                fit_method: str, placeholders: list[str] | None, product_type: str | None,
                visible: bool) -> CreateFromTemplate:
    """Every template variant is listed with the artwork: Gelato would create any variant left
    out anyway, with the template's own art."""
    return CreateFromTemplate(
        templateId=template.id, title=title, description=description, tags=tags,
        isVisibleInTheOnlineStore=visible, productType=product_type or template.product_type,
        variants=[
            VariantFiles(
                templateVariantId=variant.id,
                imagePlaceholders=[PlaceholderFile(name=p.name, fileUrl=file_url, fitMethod=fit_method)
                                   for p in placeholders_to_fill(variant, placeholders)],
            )
            for variant in template.variants
        ],
    )


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def find_in_store(client: GelatoClient, store_id: str, body: CreateFromTemplate, since: datetime | None) -> StoreProduct | None:
    """The store product an earlier, ambiguous create made: same title and the template's
    variant titles, created after our intent. The list is newest first, so paging stops early."""
    wanted_variants = len(body.variants)
    for product in client.iter_products(store_id, order="desc", order_by="createdAt"):
        created = _parse_time(product.created_at)
        if since and created and created < since - CLOCK_SKEW:
            return None
        if product.title == body.title and len(product.variants) == wanted_variants:
            return product
    return None


def ensure_created(client: GelatoClient, catalog: Catalog, store_id: str, row: ProductRow,
                   body: CreateFromTemplate) -> StoreProduct:
    """The Gelato product for `row`: adopted when one exists, created (once) when not."""
    existing = catalog.get_product(row.id)
    if existing and existing.gelato_product_id:
        try:
            return client.get_product(store_id, existing.gelato_product_id)
        except GelatoNotFound:
            log.warning("product %s was deleted in Gelato; creating it again", existing.gelato_product_id)
            catalog.update_product(row.id, gelato_product_id=None, status="deleted")
    elif existing and existing.status == "creating":
        adopted = find_in_store(client, store_id, body, existing.intent_at)
        if adopted:
            log.info("adopting product %s from an earlier ambiguous create", adopted.id)
            catalog.update_product(row.id, gelato_product_id=adopted.id, status=adopted.status)
            return adopted

    attempts = (existing.create_attempts if existing else 0) + 1
    catalog.update_product(row.id, status="creating", create_attempts=attempts, intent_at=now())
    try:
        product = client.create_product(store_id, body)
    except GelatoAmbiguousCreate:
        # Status stays `creating`: the next attempt reconciles before it POSTs.
        raise
    except GelatoClientError as rejected:
        # Gelato refused the body: nothing was created and resending it would fail the same way.
        catalog.update_product(row.id, status="publishing_error", reason=str(rejected))
        raise
    catalog.update_product(row.id, gelato_product_id=product.id, status=product.status)
    return product


def follow(client: GelatoClient, store_id: str, products: dict[str, StoreProduct], timeout_seconds: float,
           on_change: Callable[[str, StoreProduct], None], first_wait: float = 0.25,
           max_wait: float = 10.0) -> dict[str, StoreProduct]:
    """Poll until every product is active or failed, or the timeout passes, with a growing
    interval. `on_change` sees each status transition as it happens."""
    current = dict(products)
    deadline = time.monotonic() + timeout_seconds
    wait = first_wait
    while any(p.status not in FINAL_GELATO_STATUSES for p in current.values()) and time.monotonic() < deadline:
        time.sleep(min(wait, max(0.0, deadline - time.monotonic())))
        wait = min(max_wait, wait * 1.6)
        for key, product in current.items():
            if product.status in FINAL_GELATO_STATUSES:
                continue
            fresh = client.get_product(store_id, product.id)
            if (fresh.status, fresh.external_id) != (product.status, product.external_id):
                on_change(key, fresh)
            current[key] = fresh
    return current
