"""Everything the sandbox remembers: store products, call counts, fault knobs, webhook log.

Requests and lifecycle tasks run on the server's event loop while tests read from their own
thread, so every access to shared data goes through one lock and readers get copies."""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Coroutine

import httpx

from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.faults import FaultInjector
from pod_pipeline.tools.sandbox.seed import Catalog, load_catalog

log = logging.getLogger(__name__)


def gelato_time(epoch: float | None) -> str | None:
    """Gelato's timestamp style: `2023-06-13T11:02:47+0000`."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def marketplace_id() -> str:
    # Shopify/Etsy ids look like 13-digit numbers; Gelato returns them as strings.
    return str(10**12 + secrets.randbelow(9 * 10**12))


@dataclass
class PlaceholderFile:
    file_url: str | None  # None: the template's own artwork, nothing to fetch
    fit_method: str | None = None


@dataclass
class StoredVariant:
    id: str
    template_variant_id: str
    title: str
    product_uid: str
    files: dict[str, PlaceholderFile]  # placeholder name -> file
    external_id: str | None = None
    connection_status: str = "not_connected"

    def to_json(self, product_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "productId": product_id,
            "title": self.title,
            "externalId": self.external_id,
            "connectionStatus": self.connection_status,
        }


@dataclass
class StoredProduct:
    id: str
    store_id: str
    template_id: str
    title: str
    description: str
    tags: list[str]
    is_visible: bool
    sales_channels: list[str]
    product_type: str | None
    vendor: str | None
    preview_url: str | None
    variants: list[StoredVariant]
    variant_options: list[dict[str, Any]]
    created_at: float
    updated_at: float
    seq: int  # tie-break for ordering: timestamps are shown at one-second resolution
    status: str = "created"
    publishing_error_code: str | None = None
    external_id: str | None = None
    external_preview_url: str | None = None
    external_thumbnail_url: str | None = None
    published_at: float | None = None

    def file_urls(self) -> list[str]:
        urls = {f.file_url for v in self.variants for f in v.files.values() if f.file_url}
        return sorted(urls)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "storeId": self.store_id,
            "externalId": self.external_id,
            "title": self.title,
            "description": self.description,
            "previewUrl": self.preview_url,
            "externalPreviewUrl": self.external_preview_url,
            "externalThumbnailUrl": self.external_thumbnail_url,
            "publishingErrorCode": self.publishing_error_code,
            "status": self.status,
            "publishedAt": gelato_time(self.published_at),
            "createdAt": gelato_time(self.created_at),
            "updatedAt": gelato_time(self.updated_at),
            "variants": [v.to_json(self.id) for v in self.variants],
            "productVariantOptions": [dict(o, values=list(o["values"])) for o in self.variant_options],
            # Not in the documented object; kept so a reconcile can match products to intents.
            "templateId": self.template_id,
            "tags": list(self.tags),
            "isVisibleInTheOnlineStore": self.is_visible,
        }


class SandboxState:
    def __init__(self, config: SandboxConfig, catalog: Catalog | None = None) -> None:
        self.config = config
        self.catalog = catalog or load_catalog(config.catalog_path)
        self.store_ids = frozenset((*self.catalog.store_ids, *config.extra_store_ids))
        self.faults = FaultInjector(config.fault_knobs(), config.seed)
        self.products: dict[str, StoredProduct] = {}
        self.webhook_log: list[dict[str, Any]] = []
        self.http: httpx.AsyncClient | None = None  # set by the app's lifespan
        self._calls: Counter[str] = Counter()
        self._seq = 0
        self._lock = threading.RLock()
        self._tasks: set[asyncio.Task] = set()
        self._cost_factors: dict[tuple[str, str], Decimal] = {}
        # Called with a product's JSON once its store lists it: the marketplace stand-ins (the demo)
        # then hold the listing under the same ids, as Gelato's store sync creates it.
        self.on_listed: Callable[[dict[str, Any]], None] | None = None

    # --- base costs: what Gelato's catalog charges moves over time -----------------------------
    def set_cost_factors(self, changes: list[dict[str, Any]]) -> dict[str, str]:
        """Multiply a product's unit cost in a country (e.g. 1.08 = +8%) from now on."""
        parsed = {}
        for change in changes:
            uid, country = str(change["productUid"]), str(change["country"]).upper()
            if uid not in self.catalog.products:
                raise ValueError(f"unknown productUid {uid!r}")
            factor = Decimal(str(change["factor"]))
            if factor <= 0:
                raise ValueError(f"factor for {uid}/{country} must be positive")
            parsed[(uid, country)] = factor
        with self._lock:
            self._cost_factors.update(parsed)
            return self.cost_factors()

    def cost_factors(self) -> dict[str, str]:
        with self._lock:
            return {f"{uid}/{country}": str(f) for (uid, country), f in self._cost_factors.items()}

    def price_tiers(self, uid: str, country: str, currency: str) -> list[dict[str, Any]]:
        with self._lock:
            factor = self._cost_factors.get((uid, country), Decimal(1))
        return self.catalog.price_tiers(uid, country, currency, factor)

    # --- call counts -------------------------------------------------------------------------
    def count_call(self, route_key: str) -> None:
        with self._lock:
            self._calls[route_key] += 1

    def call_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._calls)

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    # --- products ----------------------------------------------------------------------------
    def add_product(self, product: StoredProduct) -> dict[str, Any]:
        with self._lock:
            self.products[product.id] = product
            return product.to_json()

    def new_product_stamp(self) -> tuple[float, int]:
        with self._lock:
            self._seq += 1
            return time.time(), self._seq

    def product_count(self) -> int:
        with self._lock:
            return len(self.products)

    def product_files(self, product_id: str) -> dict[str, dict[str, str | None]] | None:
        """template variant id -> placeholder name -> fileUrl (None: the template's own art)."""
        with self._lock:
            product = self.products.get(product_id)
            if product is None:
                return None
            return {
                v.template_variant_id: {name: f.file_url for name, f in v.files.items()}
                for v in product.variants
            }

    def get_product(self, store_id: str, product_id: str) -> dict[str, Any] | None:
        with self._lock:
            product = self.products.get(product_id)
            if product is None or product.store_id != store_id:
                return None
            return product.to_json()

    def list_products(
        self, store_id: str, offset: int, limit: int, order_by: str, descending: bool
    ) -> list[dict[str, Any]]:
        with self._lock:
            mine = [p for p in self.products.values() if p.store_id == store_id]
            attr = "created_at" if order_by == "createdAt" else "updated_at"
            mine.sort(key=lambda p: (getattr(p, attr), p.seq), reverse=descending)
            return [p.to_json() for p in mine[offset : offset + limit]]

    def delete_product(self, store_id: str, product_id: str) -> bool:
        with self._lock:
            product = self.products.get(product_id)
            if product is None or product.store_id != store_id:
                return False
            del self.products[product_id]
            return True

    def file_urls(self, product_id: str) -> list[str]:
        with self._lock:
            product = self.products.get(product_id)
            return product.file_urls() if product else []

    def update_product(self, product_id: str, **changes: Any) -> dict[str, Any] | None:
        """Apply a lifecycle transition; None if the product was deleted meanwhile."""
        with self._lock:
            product = self.products.get(product_id)
            if product is None:
                return None
            for name, value in changes.items():
                setattr(product, name, value)
            # Strictly later than the last change, even if the clock did not move.
            product.updated_at = max(time.time(), product.updated_at + 0.001)
            return product.to_json()

    def activate(self, product_id: str) -> dict[str, Any] | None:
        """`active` in Gelato: not yet listed (no marketplace id, variants not connected)."""
        return self.update_product(product_id, status="active", published_at=time.time())

    def list_in_store(self, product_id: str, stays_unconnected: Callable[[], bool] = lambda: False
                      ) -> dict[str, Any] | None:
        """The marketplace's answer, after `active`: the listing id, and each variant connected
        unless `stays_unconnected()` says this one never is."""
        with self._lock:
            product = self.products.get(product_id)
            if product is None:
                return None
            for variant in product.variants:
                if not stays_unconnected():
                    variant.external_id = marketplace_id()
                    variant.connection_status = "connected"
            external_id = marketplace_id()
            listed = self.update_product(
                product_id,
                external_id=external_id,
                external_preview_url=f"https://cdn.shop.example/products/{external_id}/preview.png",
                external_thumbnail_url=f"https://cdn.shop.example/products/{external_id}/thumb.png",
            )
        if listed is not None and self.on_listed is not None:
            self.on_listed(listed)
        return listed

    def make_live(self, product_id: str) -> dict[str, Any] | None:
        """Active and listed at once, every variant connected (tests that need a live product)."""
        return self.activate(product_id) and self.list_in_store(product_id)

    # --- background work ---------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run `coro` on the current loop without blocking the request; the reference kept here
        stops the task from being garbage-collected mid-flight."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        # A crash here would otherwise leave a product silently stuck in `publishing`.
        if not task.cancelled() and task.exception() is not None:
            log.error("sandbox background task failed", exc_info=task.exception())

    async def cancel_background(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def log_webhook(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.webhook_log.append(entry)

    def webhooks(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self.webhook_log]


def new_id() -> str:
    return str(uuid.uuid4())
