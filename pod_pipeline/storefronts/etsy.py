"""Etsy's Open API v3: a listing's prices live in its inventory, and the inventory update
(`PUT /v3/application/listings/{listing_id}/inventory`) replaces the whole inventory: any product
(variation) not sent is removed. So a push reads the inventory, changes the prices of the
variants it was given, and writes every product back with every offering, property value and
`*_on_property` list as read. Etsy gives products new ids on each write: the push maps old ids to
new by their property values and returns them, so the caller keeps the ids it will need next.

Auth: the app's `x-api-key` and the seller's OAuth 2 bearer token. Limits: per second and per
rolling day, per app; over them Etsy answers 429 (the daily one does not pass by retrying)."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from typing import Any, Callable

import httpx

from pod_pipeline.ratelimit import NO_LIMIT, RateLimiter
from pod_pipeline.storefronts.base import PushResult, StorefrontClient, StorefrontError, VariantPrice, money

ETSY_API = "https://openapi.etsy.com/v3/application"
ETSY = "etsy"  # the request budget's name in the shared rate limiter
_LISTING_ID = re.compile(r"[0-9]{1,20}")
# What getListingInventory returns that updateListingInventory does not take.
_READ_ONLY_PRODUCT = ("product_id", "is_deleted")
_READ_ONLY_OFFERING = ("offering_id", "is_deleted")
_READ_ONLY_PROPERTY = ("scale_name",)


def listing_id_of(external_id: str) -> str:
    text = str(external_id).strip()
    if not _LISTING_ID.fullmatch(text):
        raise StorefrontError(f"not an Etsy listing id: {text[:80]!r}", retryable=False)
    return text


def _variation_key(product: dict) -> tuple:
    """A product's identity that survives Etsy's renumbering: its property values."""
    return tuple(sorted((str(p.get("property_id")), tuple(str(v) for v in p.get("value_ids") or []))
                        for p in product.get("property_values") or []))


def _price_of(offering: dict) -> Decimal:
    price = offering.get("price") or {}
    if isinstance(price, dict):
        return Decimal(int(price.get("amount", 0))) / Decimal(int(price.get("divisor") or 100))
    return Decimal(str(price))


def writable_inventory(inventory: dict, new_prices: dict[str, Decimal]) -> dict:
    """The whole inventory as updateListingInventory takes it, with `new_prices` applied by
    product id; everything else exactly as read."""
    products = []
    for product in inventory.get("products") or []:
        if product.get("is_deleted"):
            continue
        new_price = new_prices.get(str(product.get("product_id")))
        written = {k: v for k, v in product.items() if k not in _READ_ONLY_PRODUCT}
        written["property_values"] = [{k: v for k, v in p.items() if k not in _READ_ONLY_PROPERTY}
                                      for p in product.get("property_values") or []]
        written["offerings"] = [
            {**{k: v for k, v in o.items() if k not in _READ_ONLY_OFFERING},
             "price": float(money(new_price if new_price is not None else _price_of(o)))}
            for o in product.get("offerings") or [] if not o.get("is_deleted")]
        products.append(written)
    return {"products": products, **{key: inventory.get(key) or [] for key in
                                     ("price_on_property", "quantity_on_property", "sku_on_property")}}


class EtsyStorefront(StorefrontClient):
    marketplace = "etsy"

    def __init__(self, api_key: str, access_token: str, *, base_url: str = ETSY_API,
                 rate_limiter: RateLimiter = NO_LIMIT, timeout_seconds: float = 20.0, max_attempts: int = 8,
                 backoff_base: float = 0.5, backoff_max: float = 30.0, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None):
        if not api_key or not access_token:
            raise StorefrontError("an Etsy store needs the app's API key and the seller's OAuth token",
                                  retryable=False)
        super().__init__({"x-api-key": api_key, "Authorization": f"Bearer {access_token}"}, [api_key, access_token],
                         timeout_seconds=timeout_seconds, max_attempts=max_attempts, backoff_base=backoff_base,
                         backoff_max=backoff_max, sleep=sleep, transport=transport)
        self._base = base_url.rstrip("/")
        self._limiter = rate_limiter
        self.remaining_today: int | None = None

    def _send_once(self, method: str, path: str, **kwargs: Any) -> dict:
        self.waited_seconds += self._limiter.acquire(ETSY)
        self.calls += 1
        try:
            response = self._http.request(method, f"{self._base}{path}", **kwargs)
        except httpx.TransportError as exc:
            raise StorefrontError(f"network error talking to Etsy: {type(exc).__name__}", retryable=True) from None
        remaining = response.headers.get("x-remaining-today")
        if remaining is not None and remaining.isdigit():
            self.remaining_today = int(remaining)
        if response.status_code == 429:
            self.throttled += 1
            if self.remaining_today == 0:
                raise StorefrontError("Etsy's daily request quota is used up (it frees over a rolling 24 h)",
                                      retryable=False)
            retry_after = response.headers.get("retry-after")
            raise StorefrontError("Etsy rate-limited the request (429)", retryable=True,
                                  retry_after=float(retry_after) if retry_after and retry_after.isdigit() else 1.0)
        if response.status_code in (401, 403):
            raise StorefrontError(f"Etsy refused the credentials (HTTP {response.status_code}): check the app's API "
                                  "key and the seller's OAuth token (listings_w scope)", retryable=False)
        if response.status_code >= 500:
            raise StorefrontError(f"Etsy answered HTTP {response.status_code}", retryable=True)
        if response.is_error:
            try:
                detail = str(response.json().get("error", ""))[:200]
            except ValueError:
                detail = response.text[:200]
            raise StorefrontError(self._scrub.text(f"Etsy answered HTTP {response.status_code}: {detail}"),
                                  retryable=False)
        try:
            return response.json()
        except ValueError:
            raise StorefrontError("Etsy answered with a body that is not JSON", retryable=True) from None

    def _send(self, method: str, path: str, **kwargs: Any) -> dict:
        return self._retrying(self._send_once, method, path, **kwargs)

    def read_inventory(self, listing_id: str) -> dict:
        return self._send("GET", f"/listings/{listing_id_of(listing_id)}/inventory")

    def read_prices(self, product_id: str) -> dict[str, Decimal]:
        inventory = self.read_inventory(product_id)
        return {str(p["product_id"]): _price_of(p["offerings"][0]) for p in inventory.get("products") or []
                if p.get("offerings") and not p.get("is_deleted")}

    def push_prices(self, product_id: str, prices: list[VariantPrice]) -> PushResult:
        """Read, change, write back whole. `PushResult.renamed` maps every product id of the
        listing (re-priced or not) to the one Etsy gave it on this write."""
        listing = listing_id_of(product_id)
        with self._counting(PushResult()) as result:
            self._push(listing, prices, result)
        return result

    def _push(self, listing: str, prices: list[VariantPrice], result: PushResult) -> None:
        inventory = self.read_inventory(listing)
        known = {str(p.get("product_id")): p for p in inventory.get("products") or [] if not p.get("is_deleted")}
        new_prices: dict[str, Decimal] = {}
        for price in prices:
            if price.price <= 0:
                result.refused[price.variant_id] = f"price {price.price} is not positive: not sent"
            elif price.variant_id not in known:
                result.refused[price.variant_id] = "the listing's inventory has no such product"
            else:
                new_prices[price.variant_id] = price.price
        if new_prices:
            written = self._send("PUT", f"/listings/{listing}/inventory", json=writable_inventory(inventory, new_prices))
            by_variation = {_variation_key(p): p for p in written.get("products") or []}
            # Every product of the listing has a new id now, the ones not re-priced too.
            for old_id, product in known.items():
                now = by_variation.get(_variation_key(product))
                if now is not None:
                    result.renamed[old_id] = str(now.get("product_id"))
            for variant_id, price in new_prices.items():
                now = by_variation.get(_variation_key(known[variant_id]))
                if now is not None and now.get("offerings") and _price_of(now["offerings"][0]) == price.quantize(Decimal("0.01")):
                    result.pushed.append(variant_id)
                else:
                    result.refused[variant_id] = "Etsy did not confirm the new price"
