"""Dagster resource that builds a configured `GelatoClient`."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from pod_pipeline.gelato.client import ECOMMERCE_URL, PRODUCT_URL, GelatoClient
from pod_pipeline.ratelimit import GELATO, Limit, limiter_for
from pod_pipeline.defs.resources import plain


class GelatoResource(ConfigurableResource):
    """Gelato's e-commerce and product APIs. In demo mode the URLs point at the local sandbox."""

    api_key: str = Field(description="Gelato API key (GELATO_API_KEY).")
    ecommerce_url: str = Field(default=ECOMMERCE_URL, description="Base URL of the e-commerce API (v1).")
    product_url: str = Field(default=PRODUCT_URL, description="Base URL of the product/price API (v3).")
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1, description="Attempts for retryable reads (never the create POST).")
    backoff_base_seconds: float = Field(default=0.5, ge=0)
    rate_per_second: float | None = Field(
        default=None, gt=0,
        description="POD_GELATO_RATE_PER_SECOND: requests per second for all workers sharing the catalog "
                    "together (every attempt counts); unset: no shared limit.")
    rate_burst: float | None = Field(
        default=None, ge=1, description="POD_GELATO_BURST: requests at once after a quiet spell; "
                                        "unset: one second's worth.")
    rate_limit_url: str | None = Field(
        default=None, description="The catalog database holding the shared budget (POD_CATALOG_URL); "
                                  "unset: each process keeps its own.")

    refused_store_ids: list[str] = Field(
        default_factory=list, description="POD_MODE=staging: the production store ids, which no call may name.")

    def client(self) -> GelatoClient:
        limit = None
        if self.rate_per_second is not None:
            limit = Limit(self.rate_per_second, self.rate_burst or max(1.0, self.rate_per_second),
                          setting="POD_GELATO_RATE_PER_SECOND")
        return GelatoClient(
            plain(self.api_key),
            ecommerce_url=self.ecommerce_url,
            product_url=self.product_url,
            timeout_seconds=self.timeout_seconds,
            max_attempts=self.max_attempts,
            backoff_base_seconds=self.backoff_base_seconds,
            rate_limiter=limiter_for(plain(self.rate_limit_url), {GELATO: limit}),
            refused_store_ids=self.refused_store_ids,
        )
