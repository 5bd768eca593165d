"""Settings of one sandbox instance. Defaults give a well-behaved Gelato that publishes in ~2 s."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from pod_pipeline.tools.sandbox.faults import FaultKnobs
from pod_pipeline.tools.sandbox.seed import CATALOG_PATH


class SandboxConfig(FaultKnobs):
    """The fault knobs (inherited) are only the starting values: they can change at run time."""

    api_key: str = "sandbox-key"
    # Time from create to the final status; `created` -> `publishing` happens at half of it.
    publish_delay_seconds: float = Field(default=2.0, ge=0.0)
    # After `active`, the marketplace listing id and the variants' connections arrive this much
    # later (reference: "externalId ... empty until published"): a product is active before it
    # is listed, and the pipeline must wait for the listing, not take `active` for live.
    listing_delay_seconds: float = Field(default=0.3, ge=0.0)
    fetch_timeout_seconds: float = Field(default=10.0, gt=0.0)
    # Gelato's limit is undocumented; this only keeps a runaway URL from eating the memory.
    max_file_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    seed: int = 0
    # Store ids accepted besides the catalog's; any other store id is a 404.
    extra_store_ids: list[str] = Field(default_factory=list)
    catalog_path: Path = CATALOG_PATH

    webhook_url: str | None = None
    webhook_header_name: str = "signature"
    # Gelato has no HMAC: the dashboard adds one static header. None sends no header.
    webhook_secret: str | None = None
    webhook_attempts: int = Field(default=3, ge=1)
    # Gelato spaces its attempts 5 s apart; tests shorten it.
    webhook_retry_seconds: float = Field(default=5.0, ge=0.0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0.0)

    def fault_knobs(self) -> FaultKnobs:
        return FaultKnobs.model_validate(self.model_dump(include=set(FaultKnobs.model_fields)))
