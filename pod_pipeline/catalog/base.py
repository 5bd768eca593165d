"""The catalog interface. SQLite implements it for embedded mode; Supabase Postgres in production."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, Literal, Mapping, Sequence

import pandas as pd

from pod_pipeline.catalog.funnel import FunnelDay
from pod_pipeline.catalog.rows import ArtworkRow, DuePrice, ProductRow, StorefrontPriceRow, VariantRow, WebhookEvent


class Catalog(ABC):
    kind: str

    @abstractmethod
    def upsert_artwork(self, row: ArtworkRow) -> None:
        """Insert the artwork, or update it when the row with its id has the same owner and path;
        any other owner or path is refused with `ArtworkIdentityError` and nothing changes.
        Status follows the store-truth rule of `catalog/artwork_state.py`."""

    @abstractmethod
    def set_artwork_status(self, artwork_id: str, status: str, reason: str | None = None) -> None:
        """Record what became of the artwork (`catalog/artwork_state.py`: while earlier products
        are in the store, an upload outcome goes to the new-version columns)."""

    @abstractmethod
    def get_artwork(self, artwork_id: str) -> ArtworkRow | None: ...

    @abstractmethod
    def artwork_ids_for_paths(self, paths: Sequence[str]) -> dict[str, str]:
        """The ids of the artworks recorded at these upload paths (absent paths are left out)."""

    # -- the funnel (operations; see catalog/funnel.py for what each stage means) ---------------
    @abstractmethod
    def funnel_counts(self, since: datetime, bucket: Literal["day"] = "day") -> list[FunnelDay]:
        """Artworks created at or after `since`, per UTC day of creation (days without uploads
        are absent): how many reached each funnel stage, and running totals from the first day."""

    @abstractmethod
    def stuck_artworks(self, statuses: Sequence[str], updated_before: datetime, limit: int = 100,
                       after: tuple[datetime, str] | None = None) -> list[ArtworkRow]:
        """Artworks in one of `statuses` whose row has not changed since `updated_before`,
        longest waiting first (by updated_at, then id), at most `limit`; with `after`, only those
        past that (updated_at, id): a keyset cursor over a catalog of any size."""

    @abstractmethod
    def upsert_product(self, row: ProductRow) -> None:
        """Insert or replace the listing columns; never clears Gelato ids already recorded."""

    def upsert_products(self, rows: list[ProductRow]) -> None:
        """Several `upsert_product`s; implementations send them as one batch."""
        for row in rows:
            self.upsert_product(row)

    @abstractmethod
    def update_product(self, product_id: str, **fields: Any) -> None:
        """One write per status transition (the frontend watches these rows)."""

    @abstractmethod
    def claim_create(self, product_id: str, lease_seconds: float) -> int | None:
        """Atomically take the right to send the create POST: marks the product `creating`, holds
        it for `lease_seconds` (`lease_until`) and returns the attempt number; None when the
        product already has a Gelato id or another claim's lease has not run out. Two racing
        runs can never both win."""

    @abstractmethod
    def shorten_create_lease(self, product_id: str, seconds: float) -> None:
        """After an ambiguous create: another attempt may claim `seconds` from now, not sooner
        (a slow Gelato may still be making the product), and not a full lease later."""

    @abstractmethod
    def product_with_gelato_id(self, gelato_product_id: str) -> ProductRow | None: ...

    @abstractmethod
    def products_with_gelato_ids(self, gelato_product_ids: Sequence[str]) -> list[ProductRow]: ...

    @abstractmethod
    def products_due(self, limit: int) -> list[ProductRow]:
        """Products with a Gelato id still on their way (FOLLOWED_STATUSES) whose next status
        check is due (or never scheduled), soonest first."""

    @abstractmethod
    def products_with_status(self, status: str) -> list[ProductRow]: ...

    @abstractmethod
    def product_status_counts(self) -> dict[str, int]:
        """How many products are in each status."""

    @abstractmethod
    def products_in_store(self, template_id: str | None = None, store: str | None = None) -> list[ProductRow]:
        """Every product that has a Gelato id (of one template, in one store, if given)."""

    @abstractmethod
    def get_product(self, product_id: str) -> ProductRow | None: ...

    @abstractmethod
    def products_for(self, artwork_id: str) -> list[ProductRow]: ...

    @abstractmethod
    def replace_artwork_variants(self, rows_by_product: Mapping[str, list[VariantRow]]) -> None:
        """The variants of several products (an artwork's), in one batch and one transaction:
        each product ends with exactly the rows given for it."""

    def replace_variants(self, product_id: str, rows: list[VariantRow]) -> None:
        self.replace_artwork_variants({product_id: rows})

    @abstractmethod
    def variants_for(self, product_id: str) -> list[VariantRow]: ...

    # -- prices (variant_price; see catalog/prices.py) ------------------------------------------
    @abstractmethod
    def current_prices(self, artwork_ids: Sequence[str]) -> pd.DataFrame:
        """The stored price rows of these artworks: PRICE_KEY + PRICE_STORED, as canonical text."""

    @abstractmethod
    def write_prices(self, changes: pd.DataFrame, removals: pd.DataFrame,
                     main_country: str | Mapping[str, str]) -> int:
        """In one transaction: upsert the changed rows, delete the removed ones, and mirror the
        main market onto existing `variant` rows. Returns the rows written (all three)."""

    @abstractmethod
    def price_sheet(self, currency: str | None = None) -> pd.DataFrame:
        """Every stored price with its store product and variant ids (columns SHEET)."""

    # -- Gelato webhook events (stored by the receiver, consumed by the status sensor) -----------
    # -- storefront prices (catalog/storefront.py) ---------------------------------------------
    @abstractmethod
    def due_storefront_prices(self, now: datetime, limit: int = 500) -> list[DuePrice]:
        """Variants of live products whose marketplace price differs from the catalog's (or was
        never set, or whose product Gelato replaced), back-off passed; by product."""

    @abstractmethod
    def record_storefront_prices(self, rows: Sequence[StorefrontPriceRow]) -> None:
        """What each push did: the price now on the marketplace, or the error and next attempt."""

    @abstractmethod
    def storefront_prices_for(self, artwork_id: str) -> list[StorefrontPriceRow]: ...

    @abstractmethod
    def record_webhook_event(self, event_id: str, event: str, store_product_id: str | None, payload: Any) -> bool:
        """Store a delivery once; True when `event_id` is new, False for a redelivery."""

    @abstractmethod
    def unprocessed_webhook_events(self, limit: int = 500) -> list[WebhookEvent]:
        """Events not yet handled, oldest first."""

    @abstractmethod
    def mark_webhook_events_processed(self, event_ids: Sequence[str]) -> None: ...

    @abstractmethod
    def purge_webhook_events(self, processed_before: datetime, limit: int = 1000) -> int:
        """Delete at most `limit` events processed before `processed_before` (the oldest first);
        returns how many. Unprocessed events are never deleted."""
