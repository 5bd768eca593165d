"""The shapes of the Gelato webhook events the pipeline accepts (reference/gelato-api.md).

Validated loosely on purpose: Gelato's field list is partly unconfirmed, so unknown extra fields
are kept, but what the pipeline relies on (the event id, the event name, the product or template
id) must be present and typed, or the delivery is refused with 400 before anything is stored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

STORE_PRODUCT_EVENTS = ("store_product_created", "store_product_updated", "store_product_deleted")
TEMPLATE_EVENTS = ("store_product_template_created", "store_product_template_updated",
                   "store_product_template_deleted")


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(min_length=1, max_length=200, description="The EVENT id: deduplication key.")


class StoreProductEvent(_Event):
    event: Literal[STORE_PRODUCT_EVENTS]  # type: ignore[valid-type]
    store_product_id: str = Field(alias="storeProductId", min_length=1, max_length=200)
    store_id: str | None = Field(default=None, alias="storeId")
    status: str | None = None


class TemplateEvent(_Event):
    event: Literal[TEMPLATE_EVENTS]  # type: ignore[valid-type]
    # The template event payload is not documented: both names seen in public clients are kept
    # if present, neither is required (the sensor re-GETs the configured templates anyway).
    template_id: str | None = Field(default=None, alias="templateId")
    store_product_template_id: str | None = Field(default=None, alias="storeProductTemplateId")


def is_dashboard_test(payload: dict) -> bool:
    """Gelato's "send test event" fills ids with placeholders such as `{{MyOrderId}}`."""
    return any(isinstance(value, str) and "{{" in value and "}}" in value
               for key, value in payload.items() if key in ("id", "storeProductId", "storeId", "templateId"))
