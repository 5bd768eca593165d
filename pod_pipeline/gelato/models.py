"""Typed views of Gelato's JSON (reference/gelato-api.md). Unknown fields are kept, not rejected:
Gelato adds fields without notice and a new one must not break publishing."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _GelatoModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ImagePlaceholder(_GelatoModel):
    name: str
    print_area: str = Field(alias="printArea")
    width_mm: float = Field(alias="width")
    height_mm: float = Field(alias="height")


class VariantOption(_GelatoModel):
    name: str
    value: str


class TemplateVariant(_GelatoModel):
    id: str
    title: str
    product_uid: str = Field(alias="productUid")
    variant_options: list[VariantOption] = Field(default_factory=list, alias="variantOptions")
    image_placeholders: list[ImagePlaceholder] = Field(default_factory=list, alias="imagePlaceholders")


class Template(_GelatoModel):
    id: str
    template_name: str = Field(alias="templateName")
    title: str
    description: str = ""
    product_type: str | None = Field(default=None, alias="productType")
    vendor: str | None = None
    preview_url: str | None = Field(default=None, alias="previewUrl")
    created_at: str | None = Field(default=None, alias="createdAt")
    updated_at: str | None = Field(default=None, alias="updatedAt")
    variants: list[TemplateVariant]


class PlaceholderFile(_GelatoModel):
    name: str
    file_url: str = Field(alias="fileUrl")
    fit_method: str | None = Field(default=None, alias="fitMethod")


class VariantFiles(_GelatoModel):
    template_variant_id: str = Field(alias="templateVariantId")
    position: int | None = None
    image_placeholders: list[PlaceholderFile] = Field(alias="imagePlaceholders")


class CreateFromTemplate(_GelatoModel):
    """Body of `POST /v1/stores/{storeId}/products:create-from-template`. Gelato has no price,
    client-reference or idempotency field: exactly-once is the caller's job."""

    template_id: str = Field(alias="templateId")
    title: str
    description: str
    is_visible_in_the_online_store: bool = Field(default=False, alias="isVisibleInTheOnlineStore")
    sales_channels: list[str] = Field(default_factory=lambda: ["web"], alias="salesChannels")
    tags: list[str] = Field(default_factory=list, max_length=13)
    product_type: str | None = Field(default=None, alias="productType")
    vendor: str | None = None
    variants: list[VariantFiles]

    def to_json(self) -> dict:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class StoreProductVariant(_GelatoModel):
    id: str
    product_id: str | None = Field(default=None, alias="productId")
    title: str | None = None
    external_id: str | None = Field(default=None, alias="externalId")
    connection_status: str | None = Field(default=None, alias="connectionStatus")


class StoreProduct(_GelatoModel):
    id: str
    store_id: str | None = Field(default=None, alias="storeId")
    external_id: str | None = Field(default=None, alias="externalId")
    title: str | None = None
    description: str | None = None
    status: str
    publishing_error_code: str | None = Field(default=None, alias="publishingErrorCode")
    preview_url: str | None = Field(default=None, alias="previewUrl")
    published_at: str | None = Field(default=None, alias="publishedAt")
    created_at: str | None = Field(default=None, alias="createdAt")
    updated_at: str | None = Field(default=None, alias="updatedAt")
    variants: list[StoreProductVariant] = Field(default_factory=list)

    @property
    def is_live(self) -> bool:
        # Gelato's own rule: live only when active *and* the store gave it an id.
        return self.status == "active" and bool(self.external_id)

    @property
    def is_failed(self) -> bool:
        return self.status == "publishing_error"


class PriceTier(_GelatoModel):
    product_uid: str = Field(alias="productUid")
    country: str
    quantity: int
    price: Decimal
    currency: str
    page_count: int | None = Field(default=None, alias="pageCount")
