"""The marketplaces behind the Gelato sandbox's stores, for the demo: when the sandbox lists a
product, the store's marketplace stand-in holds the listing under the ids Gelato reports (as
Gelato's store sync would create it), so the pipeline's price pushes find it; each stand-in is
served over HTTP like the real API."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.tools.storefront_standins.etsy import EtsyShop, create_etsy_app
from pod_pipeline.tools.storefront_standins.shopify import ShopifyShop, create_shopify_app

# The stand-ins' credentials: the demo names them in its settings' store credentials.
DEMO_CREDENTIALS = {
    "POD_DEMO_SHOPIFY_TOKEN": "shpat_demo_standin",
    # Demo mode talks to the stand-in (POD_SHOPIFY_URL) whatever the shop's address says.
    "POD_DEMO_SHOPIFY_SHOP": "https://pod-demo.myshopify.com",
    "POD_DEMO_ETSY_KEY": "etsy-demo-key",
    "POD_DEMO_ETSY_TOKEN": "etsy-demo-token",
}


class StandinMarketplaces:
    def __init__(self, marketplace_of_store: dict[str, str]):
        self.marketplace_of_store = dict(marketplace_of_store)
        self.shopify = ShopifyShop(access_token=DEMO_CREDENTIALS["POD_DEMO_SHOPIFY_TOKEN"])
        self.etsy = EtsyShop(api_key=DEMO_CREDENTIALS["POD_DEMO_ETSY_KEY"],
                             access_token=DEMO_CREDENTIALS["POD_DEMO_ETSY_TOKEN"])
        self._servers = ExitStack()
        self.shopify_url = self.etsy_url = ""

    def listed(self, product: dict[str, Any]) -> None:
        """The sandbox's `on_listed` hook."""
        marketplace = self.marketplace_of_store.get(product.get("storeId", ""))
        variants = [(v["externalId"], v["title"]) for v in product.get("variants", []) if v.get("externalId")]
        if not product.get("externalId") or not variants:
            return
        if marketplace == "shopify":
            self.shopify.add_product(product["externalId"], [variant_id for variant_id, _ in variants])
        elif marketplace == "etsy":
            self.etsy.add_synced_listing(product["externalId"], variants)

    def storefront_price(self, marketplace: str, product_id: str, variant_id: str):
        """What the buyer sees for one variant now (None when the listing has no such variant)."""
        if marketplace == "shopify":
            return self.shopify.prices(product_id).get(str(variant_id))
        if marketplace == "etsy":
            return self.etsy.price_of(product_id, variant_id)
        return None

    def __enter__(self) -> "StandinMarketplaces":
        shopify = self._servers.enter_context(BackgroundServer(create_shopify_app(self.shopify), name="shopify-standin"))
        etsy = self._servers.enter_context(BackgroundServer(create_etsy_app(self.etsy), name="etsy-standin"))
        self.shopify_url, self.etsy_url = shopify.base_url, etsy.base_url + "/v3/application"
        return self

    def __exit__(self, *exc) -> None:
        self._servers.close()
