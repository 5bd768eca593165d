"""The storefront clients for the seller's store, credentials read from the environment variables
the settings name (never from the settings file itself)."""

from __future__ import annotations

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from pod_pipeline.ratelimit import Limit, limiter_for
from pod_pipeline.settings.mode import DEMO, ConfigurationError
from pod_pipeline.settings.stores import StoreSettings
from pod_pipeline.storefronts.base import Storefront
from pod_pipeline.storefronts.etsy import ETSY, ETSY_API, EtsyStorefront
from pod_pipeline.storefronts.shopify import ShopifyStorefront


class StorefrontsResource(ConfigurableResource):
    """Builds the store's marketplace client. In demo mode the stand-ins' URLs replace the
    marketplaces' (POD_SHOPIFY_URL, POD_ETSY_URL); production always talks to the real APIs."""

    mode: str = Field(default=DEMO, description="demo or production (POD_MODE).")
    shopify_url: str | None = Field(default=None, description="Demo only: the Shopify stand-in (POD_SHOPIFY_URL).")
    etsy_url: str | None = Field(default=None, description="Demo only: the Etsy stand-in (POD_ETSY_URL).")
    etsy_rate_per_second: float = Field(
        default=9.0, gt=0, description="Requests per second toward Etsy, shared by every worker "
        "(POD_ETSY_RATE_PER_SECOND); Etsy counts 10 in any second, so 9 without burst stays under.")
    rate_limit_url: str | None = Field(default=None, description="Where the shared budget lives (the catalog URL).")

    def credentials(self, store: StoreSettings) -> dict[str, str]:
        """{role: value} from the variables the store names; an error naming the unset ones."""
        values = {role: EnvVar(name).get_value() or "" for role, name in store.credentials.items()}
        unset = [store.credentials[role] for role, value in values.items() if not value]
        if unset:
            raise ConfigurationError(f"store {store.name}: set {', '.join(unset)} (its {store.marketplace} "
                                     "credentials) to push its prices")
        return values

    def client(self, store: StoreSettings) -> Storefront | None:
        """The store's client, or None when the store pushes no prices (no credentials named)."""
        if not store.pushes_prices():
            return None
        values = self.credentials(store)
        demo = self.mode == DEMO
        if store.marketplace == "shopify":
            return ShopifyStorefront((demo and self.shopify_url) or values["shop_url"], values["access_token"])
        if store.marketplace == "etsy":
            limiter = limiter_for(self.rate_limit_url, {ETSY: Limit(self.etsy_rate_per_second, 1, "POD_ETSY_RATE_PER_SECOND")})
            return EtsyStorefront(values["api_key"], values["access_token"], rate_limiter=limiter,
                                  base_url=(demo and self.etsy_url) or ETSY_API)
        raise ConfigurationError(f"store {store.name}: pushing prices to {store.marketplace} is not supported")
