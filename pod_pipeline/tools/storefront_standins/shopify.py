"""A Shopify Admin GraphQL stand-in for prices: `productVariantsBulkUpdate` and a product's
variants, behind `X-Shopify-Access-Token`, with Shopify's cost bucket (1,000 points, 50 restored
per second; a request the bucket cannot pay is answered HTTP 200 with a `THROTTLED` error) and
`extensions.cost` on every answer. It parses no GraphQL: it recognises the two operations the
client sends and answers anything else with a GraphQL error, as a schema would."""

from __future__ import annotations

import asyncio
import threading
import time
from decimal import Decimal, InvalidOperation

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pod_pipeline.tools.storefront_standins.faults import Dice, StorefrontFaults

MUTATION_COST, READ_COST = 10, 12
PRODUCT, VARIANT = "gid://shopify/Product/", "gid://shopify/ProductVariant/"


class ShopifyShop:
    """One shop's products ({product id: {variant id: price}}) and its cost bucket."""

    def __init__(self, access_token: str = "shpat_standin", maximum: float = 1000.0, restore_rate: float = 50.0):
        self.access_token = access_token
        self.maximum, self.restore_rate = maximum, restore_rate
        self.products: dict[str, dict[str, Decimal]] = {}
        self.requests = 0
        self.throttled = 0
        self._available, self._at = maximum, time.monotonic()
        self._lock = threading.Lock()

    def add_product(self, product_id: str, variant_ids: list[str], price: Decimal = Decimal("0.00")) -> None:
        with self._lock:
            self.products[str(product_id)] = {str(v): price for v in variant_ids}

    def prices(self, product_id: str) -> dict[str, Decimal]:
        with self._lock:
            return dict(self.products.get(str(product_id), {}))

    def spend(self, cost: float) -> tuple[bool, dict]:
        """Take `cost` points if the bucket holds them; the throttle status either way."""
        with self._lock:
            now = time.monotonic()
            self._available = min(self.maximum, self._available + (now - self._at) * self.restore_rate)
            self._at = now
            granted = self._available >= cost
            if granted:
                self._available -= cost
            return granted, {"maximumAvailable": self.maximum, "currentlyAvailable": round(self._available, 1),
                             "restoreRate": self.restore_rate}

    def set_prices(self, product_gid: str, variants: list[dict]) -> dict:
        user_errors, updated = [], []
        with self._lock:
            product = self.products.get(product_gid.removeprefix(PRODUCT)) if product_gid.startswith(PRODUCT) else None
            if product is None:
                return {"productVariants": [], "userErrors": [
                    {"field": ["productId"], "message": "Product does not exist", "code": "PRODUCT_DOES_NOT_EXIST"}]}
            for index, variant in enumerate(variants):
                variant_id = str(variant.get("id", "")).removeprefix(VARIANT)
                try:
                    price = Decimal(str(variant.get("price")))
                except (InvalidOperation, ValueError):
                    price = None
                if variant_id not in product:
                    user_errors.append({"field": ["variants", str(index), "id"], "code": "PRODUCT_VARIANT_DOES_NOT_EXIST",
                                        "message": "Product variant does not exist"})
                elif price is None or not price.is_finite():
                    user_errors.append({"field": ["variants", str(index), "price"], "code": "INVALID",
                                        "message": "Price is invalid"})
                elif price < 0:
                    user_errors.append({"field": ["variants", str(index), "price"], "code": "GREATER_THAN_OR_EQUAL_TO",
                                        "message": "Price must be greater than or equal to 0"})
                else:
                    product[variant_id] = price.quantize(Decimal("0.01"))
                    updated.append({"id": VARIANT + variant_id, "price": str(product[variant_id])})
        return {"productVariants": updated, "userErrors": user_errors}


def create_shopify_app(shop: ShopifyShop, faults: StorefrontFaults | None = None, seed: int = 0) -> Starlette:
    dice = Dice(faults or StorefrontFaults(), seed)

    async def graphql(request: Request) -> JSONResponse:
        shop.requests += 1
        if dice.faults.latency_seconds:
            await asyncio.sleep(dice.faults.latency_seconds)
        if request.headers.get("x-shopify-access-token") != shop.access_token:
            return JSONResponse({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
                                status_code=401)
        if dice.roll("rate_5xx"):
            return JSONResponse({"errors": "Internal Server Error"}, status_code=503)
        try:
            body = await request.json()
            query, variables = str(body["query"]), dict(body.get("variables") or {})
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"errors": [{"message": "Bad Request: the body must be a GraphQL request"}]},
                                status_code=400)
        mutation = "productVariantsBulkUpdate" in query
        cost = MUTATION_COST if mutation else READ_COST
        granted, status = shop.spend(cost)
        if not granted or dice.roll("rate_throttled"):
            shop.throttled += 1
            return JSONResponse({"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": {"requestedQueryCost": cost, "actualQueryCost": None, "throttleStatus": status}}})
        extensions = {"cost": {"requestedQueryCost": cost, "actualQueryCost": cost, "throttleStatus": status}}
        if mutation:
            payload = shop.set_prices(str(variables.get("productId", "")), list(variables.get("variants") or []))
            return JSONResponse({"data": {"productVariantsBulkUpdate": payload}, "extensions": extensions})
        if "product(" in query:
            product_gid = str(variables.get("id", ""))
            prices = shop.prices(product_gid.removeprefix(PRODUCT)) if product_gid.startswith(PRODUCT) else {}
            product = {"variants": {"nodes": [{"id": VARIANT + v, "price": str(p)} for v, p in prices.items()]}} \
                if prices else None
            return JSONResponse({"data": {"product": product}, "extensions": extensions})
        return JSONResponse({"errors": [{"message": "the stand-in answers only the price mutation and query"}],
                             "extensions": extensions})

    return Starlette(routes=[Route("/admin/api/{version}/graphql.json", graphql, methods=["POST"])])
