"""Catalog rows. Statuses are closed sets so every upload ends in a state a person can read."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

ArtworkStatus = Literal["pending", "processing", "rejected", "publishing", "published", "partial", "failed"]
NewVersionStatus = Literal["processing", "rejected", "failed"]
ProductStatus = Literal[
    "skipped", "pending", "creating", "created", "publishing", "active", "publishing_error", "deleted", "stalled"
]
PRODUCT_STATUSES = frozenset(get_args(ProductStatus))
FINAL_ARTWORK_STATUSES = frozenset({"rejected", "published", "partial", "failed"})
PRODUCT_NAMESPACE = uuid.UUID("5f1d7f0e-6c1a-4f57-9a7e-3c2b1d0e9f88")


def now() -> datetime:
    return datetime.now(timezone.utc)


# Columns the pipeline learns from Gelato or its own create claim; a listing upsert must not wipe them.
GELATO_OWNED_COLUMNS = frozenset({"gelato_product_id", "external_id", "publishing_error_code", "create_attempts",
                                  "intent_at", "published_at", "artwork_checksum", "lease_until",
                                  "next_check_at", "status_checks", "republish_reason"})
# Still on the way to a final state in Gelato: the status sensor keeps checking these.
FOLLOWED_STATUSES = ("created", "publishing", "stalled")


def check_product_status(status: str) -> str:
    if status not in PRODUCT_STATUSES:
        raise ValueError(f"product status {status!r} is not one of {sorted(PRODUCT_STATUSES)}")
    return status


def check_product_update(fields: dict) -> None:
    """What every catalog checks before an `update_product`: known columns, a known status."""
    unknown = set(fields) - set(ProductRow.model_fields)
    if unknown:
        raise ValueError(f"unknown product columns: {sorted(unknown)}")
    if "status" in fields:
        check_product_status(fields["status"])


def product_id_for(artwork_id: str, template_id: str, store: str = "main") -> str:
    """Deterministic so a retry or re-run addresses the same row, never a second one. The store
    called `main` (the one `store_id` of settings written before stores) keeps the ids made
    before stores existed."""
    key = f"{artwork_id}/{template_id}" if store == "main" else f"{artwork_id}/{template_id}@{store}"
    return str(uuid.uuid5(PRODUCT_NAMESPACE, key))


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArtworkRow(_Row):
    id: str
    user_id: str
    path: str
    version: str
    checksum: str | None = None
    size_bytes: int | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    preview_path: str | None = None
    status: ArtworkStatus = "pending"
    reason: str | None = None
    # A newer upload not yet in the store (`catalog/artwork_state.py`): while earlier products are
    # kept, `status` says what the store holds and these say what became of the new version.
    new_version_status: NewVersionStatus | None = None
    new_version_reason: str | None = None
    updated_at: datetime = Field(default_factory=now)


class ProductRow(_Row):
    id: str
    artwork_id: str
    template_id: str
    user_id: str
    store: str = "main"  # the seller's store (settings `stores[].name`) the product is in
    status: ProductStatus
    reason: str | None = None
    title: str | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    gelato_product_id: str | None = None
    external_id: str | None = None
    publishing_error_code: str | None = None
    artwork_checksum: str | None = None  # sha256 of the artwork the Gelato product was made from
    create_attempts: int = 0
    intent_at: datetime | None = None
    lease_until: datetime | None = None  # when another attempt may take over the create claim
    published_at: datetime | None = None
    next_check_at: datetime | None = None  # the status sensor's next look at this product
    status_checks: int = 0
    republish_reason: str | None = None  # set when Gelato deleted it or its template changed
    updated_at: datetime = Field(default_factory=now)


class VariantRow(_Row):
    product_id: str
    template_variant_id: str
    title: str
    product_uid: str
    effective_dpi: float | None = None
    verdict: str | None = None
    cost: Decimal | None = None
    price: Decimal | None = None
    currency: str | None = None
    gelato_variant_id: str | None = None
    external_id: str | None = None
    connection_status: str | None = None


class StorefrontPriceRow(_Row):
    """A variant's price as pushed to its marketplace (`storefront_price`)."""

    product_id: str
    template_variant_id: str
    artwork_id: str
    user_id: str
    store: str
    marketplace: str
    product_external_id: str | None = None
    external_id: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    error: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    pushed_at: datetime | None = None


class DuePrice(_Row):
    """A variant whose marketplace price is due: the catalog's price, and where to set it."""

    product_id: str
    template_variant_id: str
    artwork_id: str
    user_id: str
    store: str
    product_external_id: str
    external_id: str
    price: Decimal
    currency: str
    attempts: int = 0
    # What the marketplace shows now, as the last push left it (kept when a push fails).
    last_product_external_id: str | None = None
    last_external_id: str | None = None
    last_price: Decimal | None = None
    last_currency: str | None = None


class WebhookEvent(_Row):
    """A Gelato webhook delivery as stored once by the receiver, waiting for the status sensor."""

    id: str
    event: str
    store_product_id: str | None = None
    payload: dict
    received_at: datetime
