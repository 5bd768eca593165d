"""The seller's stores (`stores:` in the settings): each a Gelato-connected store on one
marketplace, named, with what it sells (templates, markets), whether products go up visible,
its rollout, and the environment variables that hold its marketplace credentials (which let its
retail prices be pushed to the marketplace).

Settings written before stores existed name one `store_id`: that is one Etsy store called `main`
without credentials. A store's name is part of each product's identity (`product_id_for`), so
renaming a store makes new products: keep the name `main` for a store that was the `store_id`."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Marketplace = Literal["etsy", "shopify", "woocommerce", "other"]
LEGACY_STORE = "main"
# Gelato's top plan connects 25 stores.
MAX_STORES = 25
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
                      "and the logs, and part of each product's identity: renaming a store makes new products.")
    gelato_store_id: str = Field(min_length=1, description="Gelato store id (UUID of the connected store).")
    marketplace: Marketplace = Field(description="Where the store sells: etsy, shopify, woocommerce, other.")
    templates: list[str] | None = Field(
        default=None, description="Template ids (from `templates`) this store sells; default: all of them.")
    markets: list[str] | None = Field(
        default=None, description="Countries (from `markets`) this store sells in, its main market first (the "
        "price it shows and pushes); default: all, in the order of `markets`.")
    visible: bool | None = Field(default=None, description="Publish as visible; default: visible_in_store.")
    rollout: int = Field(
        default=100, ge=0, le=100,
        description="Percent of new artworks published to this store, chosen from each artwork's identity "
        "(the same artworks stay in as it widens). Products already made are kept when it narrows.")
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

    @field_validator("templates", "markets")
    @classmethod
    def _listed_once(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or len(value) != len(set(value))):
            raise ValueError("list it at least once and each entry once (or leave it out for all)")
        return value

    def pushes_prices(self) -> bool:
        return bool(self.credentials)

    def missing_roles(self) -> list[str]:
        return [role for role in CREDENTIAL_ROLES.get(self.marketplace, ()) if role not in self.credentials]

    def sells(self, template_id: str) -> bool:
        return self.templates is None or template_id in self.templates
