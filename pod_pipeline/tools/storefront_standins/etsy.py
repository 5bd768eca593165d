"""An Etsy Open API v3 stand-in for a listing's inventory, where the real one hurts: the PUT
replaces the whole inventory (a product not sent is gone), takes no read-only field
(`product_id`, `offering_id`, …), gives every product and offering a new id, wants `x-api-key`
and a bearer token, and holds each app to a per-second and a per-day budget (429 without the rate
headers once over, as documented)."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import deque
from decimal import Decimal, InvalidOperation

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pod_pipeline.tools.storefront_standins.faults import Dice, StorefrontFaults

MIN_PRICE = Decimal("0.20")  # Etsy's lowest listing price (USD)


class EtsyShop:
    def __init__(self, api_key: str = "etsy-standin-key", access_token: str = "etsy-standin-token",
                 per_second: int = 10, per_day: int = 10_000, currency: str = "USD"):
        self.api_key, self.access_token = api_key, access_token
        self.per_second, self.per_day, self.currency = per_second, per_day, currency
        self.listings: dict[str, dict] = {}
        self.requests = 0
        self.throttled = 0
        self._recent: deque[float] = deque()
        self._today = 0
        self._ids = itertools.count(1_000_001)
        self._lock = threading.Lock()

    def _money(self, price: Decimal) -> dict:
        return {"amount": int((price * 100).quantize(Decimal("1"))), "divisor": 100, "currency_code": self.currency}

    def add_listing(self, listing_id: str, sizes: list[str], price: Decimal = Decimal("20.00")) -> list[str]:
        """A listing with one product per size (property 100, "Size"); returns the product ids."""
        with self._lock:
            products = [self._product(f"SKU-{size}", [{"property_id": 100, "property_name": "Size", "scale_id": None,
                                                      "scale_name": None, "value_ids": [index + 1], "values": [size]}],
                                      [{"price": price, "quantity": 999, "is_enabled": True}])
                        for index, size in enumerate(sizes)]
            self.listings[str(listing_id)] = {"products": products, "price_on_property": [100],
                                              "quantity_on_property": [], "sku_on_property": [100]}
            return [str(p["product_id"]) for p in products]

    def add_synced_listing(self, listing_id: str, variants: list[tuple[str, str]],
                           price: Decimal = Decimal("20.00")) -> None:
        """A listing as Gelato's store sync creates it: one product per (id, title) variant, under
        the ids Gelato reports (property 513, "Variant": the variant's title)."""
        with self._lock:
            products = []
            for index, (product_id, title) in enumerate(variants):
                product = self._product(f"GEL-{product_id}", [{
                    "property_id": 513, "property_name": "Variant", "scale_id": None, "scale_name": None,
                    "value_ids": [index + 1], "values": [title]}], [{"price": price, "quantity": 999, "is_enabled": True}])
                product["product_id"] = int(product_id) if str(product_id).isdigit() else product_id
                products.append(product)
            self.listings[str(listing_id)] = {"products": products, "price_on_property": [513],
                                              "quantity_on_property": [], "sku_on_property": [513]}

    def _product(self, sku: str | None, property_values: list[dict], offerings: list[dict]) -> dict:
        return {"product_id": next(self._ids), "sku": sku, "is_deleted": False, "property_values": property_values,
                "offerings": [{"offering_id": next(self._ids), "quantity": o["quantity"], "is_enabled": o["is_enabled"],
                               "is_deleted": False, "price": self._money(o["price"])} for o in offerings]}

    def prices(self, listing_id: str) -> dict[str, Decimal]:
        """{size: price} — by variation, since product ids change on every write."""
        with self._lock:
            return {p["property_values"][0]["values"][0]:
                    Decimal(p["offerings"][0]["price"]["amount"]) / p["offerings"][0]["price"]["divisor"]
                    for p in self.listings[str(listing_id)]["products"]}

    def price_of(self, listing_id: str, product_id: str) -> Decimal | None:
        """One product's price by its current id (None when the listing has no such product)."""
        with self._lock:
            for product in self.listings.get(str(listing_id), {}).get("products", []):
                if str(product["product_id"]) == str(product_id):
                    price = product["offerings"][0]["price"]
                    return Decimal(price["amount"]) / price["divisor"]
        return None

    def admit(self) -> tuple[bool, dict]:
        """Spend one request of the budgets; the rate headers when admitted."""
        with self._lock:
            now = time.monotonic()
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.per_second or self._today >= self.per_day:
                return False, {}
            self._recent.append(now)
            self._today += 1
            return True, {"x-limit-per-second": str(self.per_second),
                          "x-remaining-this-second": str(self.per_second - len(self._recent)),
                          "x-limit-per-day": str(self.per_day), "x-remaining-today": str(self.per_day - self._today)}

    def replace_inventory(self, listing_id: str, body: dict) -> tuple[int, dict]:
        products = body.get("products")
        if not isinstance(products, list) or not products:
            return 400, {"error": "products must be a non-empty array"}
        for key in ("price_on_property", "quantity_on_property", "sku_on_property"):
            if not isinstance(body.get(key, []), list):
                return 400, {"error": f"{key} must be an array"}
        built = []
        for product in products:
            if not isinstance(product, dict):
                return 400, {"error": "each product must be an object"}
            for field in ("product_id", "is_deleted"):
                if field in product:
                    return 400, {"error": f"{field} is not a writable field of a product"}
            offerings = product.get("offerings")
            if not isinstance(offerings, list) or not offerings:
                return 400, {"error": "each product needs offerings"}
            parsed = []
            for offering in offerings:
                if not isinstance(offering, dict) or "offering_id" in offering:
                    return 400, {"error": "offering_id is not a writable field of an offering"}
                try:
                    price = Decimal(str(offering["price"]))
                except (KeyError, InvalidOperation, ValueError):
                    return 400, {"error": "each offering needs a numeric price"}
                if not price.is_finite() or price < MIN_PRICE or price > Decimal("50000"):
                    return 400, {"error": f"price {offering['price']} is out of range"}
                parsed.append({"price": price, "quantity": int(offering.get("quantity", 0)),
                               "is_enabled": bool(offering.get("is_enabled", True))})
            values = [{**p, "scale_name": None} for p in product.get("property_values") or []]
            built.append((product.get("sku"), values, parsed))
        with self._lock:
            if listing_id not in self.listings:
                return 404, {"error": f"Listing {listing_id} not found"}
            self.listings[listing_id] = {
                "products": [self._product(sku, values, parsed) for sku, values, parsed in built],
                **{key: list(body.get(key, [])) for key in ("price_on_property", "quantity_on_property", "sku_on_property")}}
            return 200, self.listings[listing_id]


def create_etsy_app(shop: EtsyShop, faults: StorefrontFaults | None = None, seed: int = 0) -> Starlette:
    dice = Dice(faults or StorefrontFaults(), seed)

    async def inventory(request: Request) -> JSONResponse:
        shop.requests += 1
        if dice.faults.latency_seconds:
            await asyncio.sleep(dice.faults.latency_seconds)
        if request.headers.get("x-api-key") != shop.api_key:
            return JSONResponse({"error": "Invalid API key"}, status_code=403)
        if request.headers.get("authorization") != f"Bearer {shop.access_token}":
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        admitted, headers = shop.admit()
        if not admitted or dice.roll("rate_throttled"):
            shop.throttled += 1
            return JSONResponse({"error": "Too many requests"}, status_code=429)
        if dice.roll("rate_5xx"):
            return JSONResponse({"error": "Server error"}, status_code=503)
        listing_id = request.path_params["listing_id"]
        if request.method == "GET":
            with shop._lock:
                found = shop.listings.get(listing_id)
            if found is None:
                return JSONResponse({"error": f"Listing {listing_id} not found"}, status_code=404, headers=headers)
            return JSONResponse(found, headers=headers)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "the body must be JSON"}, status_code=400, headers=headers)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body must be an object"}, status_code=400, headers=headers)
        status, answer = shop.replace_inventory(listing_id, body)
        return JSONResponse(answer, status_code=status, headers=headers)

    return Starlette(routes=[Route("/v3/application/listings/{listing_id}/inventory", inventory,
                                   methods=["GET", "PUT"])])
