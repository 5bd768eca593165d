"""Pydantic model of the seller's settings file (see `default.yaml` for a documented example)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pod_pipeline.settings.pricing import PricingRules
from pod_pipeline.settings.publishing import PublishingSettings
from pod_pipeline.settings.staging import StagingSettings, check_against_production
from pod_pipeline.settings.stores import CREDENTIAL_ROLES, LEGACY_STORE, MAX_STORES, StoreSettings


class _Strict(BaseModel):
    # A typo in a settings key must be an error, not a silently ignored line.
    model_config = ConfigDict(extra="forbid", frozen=True)


class TemplateChoice(_Strict):
    """A Gelato template the seller publishes every printable artwork to."""

    id: str = Field(min_length=1, description="Gelato template id (from the Gelato dashboard).")
    product_type: str | None = Field(
        default=None, description="Shown in the store; defaults to the template's productType."
    )
    margin: Decimal | None = Field(
        default=None, ge=0, lt=1, description="Target margin for this template; overrides pricing.margin."
    )
    fit_method: Literal["slice", "meet"] | None = Field(
        default=None, description="Overrides print.fit_method for this template (e.g. meet for mugs)."
    )
    max_aspect_mismatch: float | None = Field(
        default=None, ge=0, le=1, description="Overrides print.max_aspect_mismatch for this template."
    )
    placeholders: list[str] | None = Field(
        default=None,
        description="Placeholder names that get the artwork; default: the front (or only) one. "
        "The others keep the template's own art.",
    )
    rollout: int = Field(
        default=100, ge=0, le=100,
        description="Percent of new artworks published to this template (chosen from each artwork's identity).",
    )


class Market(_Strict):
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, e.g. US, GB, DE.")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 selling currency, e.g. USD, GBP, EUR.")
    quote_currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$",
        description="Currency to ask Gelato for when it cannot quote the selling currency; costs are "
        "converted at pricing.fx rates.",
    )
    marketplace: str | None = Field(default=None, description="Fee schedule name; default pricing.marketplace.")

    @property
    def cost_currency(self) -> str:
        return self.quote_currency or self.currency


class PrintRules(_Strict):
    min_dpi: float = Field(default=150, gt=0, description="Below this a variant is not printable.")
    target_dpi: float = Field(default=300, gt=0, description="Between min and target: printable with a warning.")
    fit_method: Literal["slice", "meet"] = Field(
        default="slice", description="slice covers the print area (crops); meet fits inside (margins)."
    )
    max_aspect_mismatch: float = Field(
        default=0.35, ge=0, le=1, description="Largest share of the image a slice may crop away."
    )
    max_pixels: int = Field(
        default=250_000_000, gt=0, description="Larger images are refused as decompression bombs."
    )
    max_file_bytes: int = Field(default=200 * 1024 * 1024, gt=0)

    @model_validator(mode="after")
    def _target_not_below_min(self) -> "PrintRules":
        if self.target_dpi < self.min_dpi:
            raise ValueError("target_dpi must be at least min_dpi")
        return self


class ListingRules(_Strict):
    """Marketplace limits (Etsy's by default, the strictest Gelato sells through)."""

    title_max: int = Field(default=140, gt=0, le=255)
    tags_max: int = Field(default=13, ge=1, le=13)
    tag_max_chars: int = Field(default=20, ge=1, le=255)
    banned_words: list[str] = Field(default_factory=list, description="Words never used in copy (trademarks).")
    brand_voice: str = Field(default="warm, concise, specific", description="How the copy should sound.")


class CopywriterSettings(_Strict):
    """Who writes listing copy. POD_COPYWRITER in the environment overrides `kind`."""

    kind: Literal["offline", "claude"] = Field(default="offline", description="offline needs no key.")
    demo_model: str = Field(default="claude-haiku-5-5", min_length=1, description="Model in demo mode (cheap).")
    production_model: str = Field(default="claude-sonnet-5-5", min_length=1, description="Model in production.")
    max_tokens: int = Field(default=2048, ge=256, le=16384)
    new_prompt_percent: int = Field(
        default=100, ge=0, le=100,
        description="Percent of new artworks written with the newest copy prompt (one version per "
        "marketplace the stores sell on); the others keep the previous one (one copy for every store).")


class SellerSettings(_Strict):
    store_id: str = Field(min_length=1, description="Gelato store id (UUID of the connected store); with "
                          "`stores`, the first store's.")
    stores: list[StoreSettings] = Field(
        default_factory=list, max_length=MAX_STORES,
        description="The stores, named, each with its marketplace, what it sells, its rollout and the "
        "credentials that let its retail prices be pushed; without it, `store_id` is an Etsy store called "
        "main whose prices are not pushed.")
    templates: list[TemplateChoice] = Field(min_length=1)
    markets: list[Market] = Field(default_factory=lambda: [Market(country="US", currency="USD")], min_length=1)
    print: PrintRules = Field(default_factory=PrintRules)
    pricing: PricingRules = Field(default_factory=PricingRules)
    listing: ListingRules = Field(default_factory=ListingRules)
    copywriter: CopywriterSettings = Field(default_factory=CopywriterSettings)
    visible_in_store: bool = Field(default=False, description="Publish as visible, not as a draft.")
    replace_on_new_version: bool = Field(
        default=True,
        description="A re-upload with new bytes replaces its products (Gelato cannot swap a product's "
        "files: the old product is deleted, a new one created). Off: the store keeps the old version.",
    )
    publishing: PublishingSettings = Field(default_factory=PublishingSettings)
    staging: StagingSettings | None = Field(
        default=None, description="POD_MODE=staging: each store's staging twin (docs/operations.md, Staging).")

    @model_validator(mode="before")
    @classmethod
    def _store_id_from_stores(cls, raw):
        if isinstance(raw, dict) and raw.get("stores"):
            first = raw["stores"][0]
            gelato_id = first.get("gelato_store_id") if isinstance(first, dict) else getattr(first, "gelato_store_id", None)
            if raw.get("store_id") not in (None, gelato_id):
                raise ValueError("store_id and stores[0].gelato_store_id differ: name the store once, under stores")
            raw = {**raw, "store_id": gelato_id}
        return raw

    def all_stores(self) -> list[StoreSettings]:
        """The stores products are published to (the legacy `store_id` as an Etsy store `main`)."""
        if self.stores:
            return list(self.stores)
        return [StoreSettings(name=LEGACY_STORE, gelato_store_id=self.store_id, marketplace="etsy")]

    def production_store_ids(self) -> dict[str, str]:
        return {s.name: s.gelato_store_id for s in self.all_stores()}

    def staged(self) -> "SellerSettings":
        """These settings as a staging run uses them: every store swapped for its staging twin."""
        if self.staging is None:
            raise ValueError("POD_MODE=staging needs a staging: section in the settings (each store's "
                             "staging Gelato store id)")
        twins = self.staging.stores
        stores = [s.model_copy(update={"gelato_store_id": twins[s.name]}) for s in self.stores]
        return self.model_copy(update={"stores": stores, "store_id": twins[self.all_stores()[0].name]})

    def store_named(self, name: str) -> StoreSettings | None:
        return next((s for s in self.all_stores() if s.name == name), None)

    def markets_of(self, store: StoreSettings) -> list[Market]:
        """The store's markets, its main one first."""
        if store.markets is None:
            return list(self.markets)
        by_country = {m.country: m for m in self.markets}
        return [by_country[c] for c in store.markets]

    def marketplaces(self) -> list[str]:
        """The marketplaces the stores sell on, in the order the stores are listed."""
        return list(dict.fromkeys(s.marketplace for s in self.all_stores()))

    @field_validator("templates")
    @classmethod
    def _unique_templates(cls, value: list[TemplateChoice]) -> list[TemplateChoice]:
        ids = [t.id for t in value]
        if len(ids) != len(set(ids)):
            raise ValueError("a template id is listed twice")
        return value

    def template(self, template_id: str) -> TemplateChoice:
        return next(t for t in self.templates if t.id == template_id)

    @field_validator("markets")
    @classmethod
    def _one_currency_per_country(cls, value: list[Market]) -> list[Market]:
        countries = [m.country for m in value]
        if len(countries) != len(set(countries)):
            raise ValueError("a country is listed twice")
        return value

    @model_validator(mode="after")
    def _stores_fit(self) -> "SellerSettings":
        for key in ("name", "gelato_store_id"):
            values = [getattr(s, key) for s in self.stores]
            if len(values) != len(set(values)):
                raise ValueError(f"stores: a {key} is listed twice (one entry per Gelato store)")
        templates, countries = {t.id for t in self.templates}, {m.country for m in self.markets}
        for index, store in enumerate(self.stores):
            if unknown := [t for t in store.templates or () if t not in templates]:
                raise ValueError(f"stores.{index}.templates: {', '.join(unknown)} is not under templates")
            if unknown := [c for c in store.markets or () if c not in countries]:
                raise ValueError(f"stores.{index}.markets: {', '.join(unknown)} is not under markets")
            if store.credentials and store.missing_roles():
                raise ValueError(f"stores.{index}.credentials for {store.marketplace} also needs "
                                 f"{', '.join(store.missing_roles())}")
            extra = sorted(set(store.credentials) - set(CREDENTIAL_ROLES.get(store.marketplace, ())))
            if extra:
                raise ValueError(f"stores.{index}.credentials: {store.marketplace} takes no {', '.join(extra)}")
        return self

    @model_validator(mode="after")
    def _staging_apart(self) -> "SellerSettings":
        if self.staging is not None:
            check_against_production(self.staging, self.production_store_ids())
        return self

    @model_validator(mode="after")
    def _pricing_fits_markets(self) -> "SellerSettings":
        fees = self.pricing.marketplaces
        for index, market in enumerate(self.markets):
            if market.marketplace is not None and market.marketplace not in fees:
                raise ValueError(f"markets.{index}.marketplace {market.marketplace!r} has no entry under "
                                 "pricing.marketplaces")
        highest_fee = max(self.fees_for(m).percent for m in self.markets)
        for index, choice in enumerate(self.templates):
            if choice.margin is not None and choice.margin + highest_fee >= 1:
                raise ValueError(f"templates.{index}.margin + the highest market fee percent must be below 1")
        return self

    def fees_for(self, market: Market):
        return self.pricing.marketplaces[market.marketplace or self.pricing.marketplace]

    def print_rules_for(self, template_id: str) -> PrintRules:
        choice = self.template(template_id)
        overrides = {k: v for k, v in {"fit_method": choice.fit_method,
                                       "max_aspect_mismatch": choice.max_aspect_mismatch}.items() if v is not None}
        return self.print.model_copy(update=overrides)

    def margin_for(self, template_id: str, product_type: str | None = None) -> Decimal:
        """The template's own margin, else its product type's, else the default."""
        choice = self.template(template_id)
        if choice.margin is not None:
            return choice.margin
        kind = choice.product_type or product_type
        return self.pricing.margins_by_product_type.get(kind, self.pricing.margin) if kind else self.pricing.margin
