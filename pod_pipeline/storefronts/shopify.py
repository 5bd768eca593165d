"""Shopify's Admin GraphQL API: variant prices set with `productVariantsBulkUpdate`, read back with
a `product { variants }` query. Shopify limits by query cost, not request count: a bucket of
points (1,000 on the basic plan) refilled at a restore rate (50/s), reported on every response in
`extensions.cost.throttleStatus`. A request the bucket cannot pay comes back as HTTP 200 with a
`THROTTLED` error; the client models the bucket from the last response, waits for the refill
before a request it knows cannot pass, and on `THROTTLED` waits exactly the refill time it needs.
Setting a price is idempotent, so every failure that may pass later is retried."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from typing import Any, Callable, Mapping

import httpx

from pod_pipeline.storefronts.base import PushResult, StorefrontClient, StorefrontError, VariantPrice, money

API_VERSION = "2025-01"
MAX_VARIANTS_PER_CALL = 250  # productVariantsBulkUpdate's input limit
MUTATION_COST = 10  # a mutation's requested cost; the response tells the actual one
READ_COST = 12      # product + a page of variants

SET_PRICES = """
mutation SetPrices($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id price }
    userErrors { field message code }
  }
}"""

READ_PRICES = """
query Prices($id: ID!) {
  product(id: $id) { variants(first: 250) { nodes { id price } } }
}"""

_NUMERIC = re.compile(r"[0-9]{1,20}")


def gid(kind: str, external_id: str) -> str:
    """Shopify's global id for a Gelato `externalId`. Gelato is seen giving the numeric id; a
    full gid of the right kind is taken as is; anything else is refused before any call."""
    text = str(external_id).strip()
    if _NUMERIC.fullmatch(text):
        return f"gid://shopify/{kind}/{text}"
    prefix = f"gid://shopify/{kind}/"
    if text.startswith(prefix) and _NUMERIC.fullmatch(text[len(prefix):]):
        return text
    raise StorefrontError(f"not a Shopify {kind} id: {text[:80]!r}", retryable=False)


def numeric(global_id: str) -> str:
    return global_id.rsplit("/", 1)[-1]


class CostBucket:
    """The shop's point bucket as the last response described it, refilled by the clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self.maximum: float | None = None
        self.available = 0.0
        self.restore_rate = 50.0
        self._seen_at = 0.0

    def update(self, status: Mapping[str, Any] | None) -> None:
        if not status:
            return
        self.maximum = float(status.get("maximumAvailable") or self.maximum or 1000.0)
        self.available = float(status.get("currentlyAvailable") or 0.0)
        self.restore_rate = float(status.get("restoreRate") or self.restore_rate) or 50.0
        self._seen_at = self._clock()

    def seconds_until(self, cost: float) -> float:
        """How long until `cost` points are available (0 when unknown: the first call finds out)."""
        if self.maximum is None:
            return 0.0
        now = self.available + (self._clock() - self._seen_at) * self.restore_rate
        return max(0.0, (min(cost, self.maximum) - min(now, self.maximum)) / self.restore_rate)


class ShopifyStorefront(StorefrontClient):
    marketplace = "shopify"

    def __init__(self, shop_url: str, access_token: str, *, api_version: str = API_VERSION,
                 timeout_seconds: float = 20.0, max_attempts: int = 8, backoff_base: float = 0.5,
                 backoff_max: float = 30.0, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None):
        if not access_token:
            raise StorefrontError("no Shopify admin API access token for this store", retryable=False)
        super().__init__({"X-Shopify-Access-Token": access_token}, [access_token], timeout_seconds=timeout_seconds,
                         max_attempts=max_attempts, backoff_base=backoff_base, backoff_max=backoff_max, sleep=sleep,
                         transport=transport)
        self._url = f"{shop_url.rstrip('/')}/admin/api/{api_version}/graphql.json"
        self.bucket = CostBucket()

    def _call_once(self, query: str, variables: dict, cost: float) -> dict:
        self._wait(self.bucket.seconds_until(cost))
        self.calls += 1
        try:
            response = self._http.post(self._url, json={"query": query, "variables": variables})
        except httpx.TransportError as exc:
            raise StorefrontError(f"network error talking to Shopify: {type(exc).__name__}", retryable=True) from None
        if response.status_code in (401, 403):
            raise StorefrontError(f"Shopify refused the access token (HTTP {response.status_code}): check the "
                                  "store's token and its write_products scope", retryable=False)
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = response.headers.get("Retry-After")
            raise StorefrontError(f"Shopify answered HTTP {response.status_code}", retryable=True,
                                  retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None)
        if response.is_error:
            raise StorefrontError(self._scrub.text(f"Shopify answered HTTP {response.status_code}: {response.text[:200]}"),
                                  retryable=False)
        try:
            body = response.json()
        except ValueError:
            raise StorefrontError("Shopify answered with a body that is not JSON", retryable=True) from None
        cost = (body.get("extensions") or {}).get("cost") or {}
        self.bucket.update(cost.get("throttleStatus"))
        errors = body.get("errors") or []
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
            self.throttled += 1
            requested = float(cost.get("requestedQueryCost") or MUTATION_COST)
            raise StorefrontError("Shopify throttled the request", retryable=True,
                                  retry_after=self.bucket.seconds_until(requested) + 0.05)
        if errors:
            raise StorefrontError(self._scrub.text(f"Shopify refused the request: {errors[0].get('message', errors[0])}"[:300]),
                                  retryable=False)
        return body.get("data") or {}

    def _call(self, query: str, variables: dict, cost: float) -> dict:
        return self._retrying(self._call_once, query, variables, cost)

    # -- prices ------------------------------------------------------------------------------
    def push_prices(self, product_id: str, prices: list[VariantPrice]) -> PushResult:
        product = gid("Product", product_id)
        with self._counting(PushResult()) as result:
            self._push(product, prices, result)
        return result

    def _push(self, product: str, prices: list[VariantPrice], result: PushResult) -> None:
        sendable: list[VariantPrice] = []
        for price in prices:
            if price.price <= 0:
                result.refused[price.variant_id] = f"price {price.price} is not positive: not sent"
                continue
            try:
                gid("ProductVariant", price.variant_id)
            except StorefrontError as bad:
                result.refused[price.variant_id] = str(bad)
                continue
            sendable.append(price)
        for start in range(0, len(sendable), MAX_VARIANTS_PER_CALL):
            chunk = sendable[start:start + MAX_VARIANTS_PER_CALL]
            data = self._call(SET_PRICES, {"productId": product, "variants": [
                {"id": gid("ProductVariant", p.variant_id), "price": money(p.price)} for p in chunk]}, MUTATION_COST)
            payload = data.get("productVariantsBulkUpdate") or {}
            refused_here: dict[str, str] = {}
            for error in payload.get("userErrors") or []:
                index = next((int(part) for part in error.get("field") or [] if str(part).isdigit()), None)
                target = chunk[index].variant_id if index is not None and index < len(chunk) else "*"
                refused_here[target] = self._scrub.text(f"{error.get('code') or 'refused'}: {error.get('message', '')}"[:300])
            if "*" in refused_here:  # an error Shopify did not tie to a variant refuses the whole call
                refused_here = {p.variant_id: refused_here["*"] for p in chunk}
            confirmed = {numeric(v["id"]): Decimal(str(v["price"])) for v in payload.get("productVariants") or []}
            for price in chunk:
                if price.variant_id in refused_here:
                    result.refused[price.variant_id] = refused_here[price.variant_id]
                elif confirmed.get(numeric(gid("ProductVariant", price.variant_id))) == price.price.quantize(Decimal("0.01")):
                    result.pushed.append(price.variant_id)
                else:
                    result.refused[price.variant_id] = "Shopify did not confirm the new price"

    def read_prices(self, product_id: str) -> dict[str, Decimal]:
        data = self._call(READ_PRICES, {"id": gid("Product", product_id)}, READ_COST)
        product = data.get("product")
        if product is None:
            raise StorefrontError(f"Shopify has no product {product_id}", retryable=False)
        return {numeric(v["id"]): Decimal(str(v["price"])) for v in product["variants"]["nodes"]}
