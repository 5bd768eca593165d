"""The seller's store (`stores:` in the settings): a Gelato-connected store on one marketplace,
named, with the environment variables that hold its marketplace credentials (which let its
retail prices be pushed to the marketplace).

Settings written before stores existed name one `store_id`: that is one Etsy store called `main`
without credentials."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Marketplace = Literal["etsy", "shopify", "woocommerce", "other"]
LEGACY_STORE = "main"
# What a marketplace's price push needs, by role; the settings name the variables per store.
CREDENTIAL_ROLES: dict[str, tuple[str, ...]] = {
    "shopify": ("shop_url", "access_token"),
    "etsy": ("api_key", "access_token"),
}
ENV_NAME = r"^[A-Z][A-Z0-9_]{0,63}$"


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$",
                      description="A short name of your choosing (lowercase, digits, dashes), shown in the UI "
                      "and the logs.")
    gelato_store_id: str = Field(min_length=1, description="Gelato store id (UUID of the connected store).")
    marketplace: Marketplace = Field(description="Where the store sells: etsy, shopify, woocommerce, other.")
    credentials: dict[str, str] = Field(
        default_factory=dict,
        description="Names of the environment variables holding this store's marketplace credentials, by "
        "role (shopify: shop_url, access_token; etsy: api_key, access_token). None: prices are not pushed.")

    @field_validator("credentials")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        for role, name in value.items():
            if not re.fullmatch(ENV_NAME, name):
                raise ValueError(f"credentials.{role} must name an environment variable (A-Z, 0-9, _), "
                                 f"not {name[:40]!r}: the value itself never goes in the settings file")
        return value

    def pushes_prices(self) -> bool:
        return bool(self.credentials)

    def missing_roles(self) -> list[str]:
        return [role for role in CREDENTIAL_ROLES.get(self.marketplace, ()) if role not in self.credentials]
