"""How products are created and followed after the create (`publishing:` in the settings)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PublishingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    create_lease_seconds: float = Field(
        default=120, gt=0,
        description="How long a create claim is held. Must exceed the Gelato client's timeout: a "
        "POST still in flight must never see its claim taken over.")
    ambiguous_retry_seconds: float = Field(
        default=30, ge=0,
        description="After a create that may or may not have reached Gelato (timeout, 5xx), wait "
        "this long, then look for the product in the store before any new POST.")
    stalled_after_seconds: float = Field(
        default=1800, gt=0,
        description="A product not live or failed this long after its create is marked stalled "
        "(it is still followed, and goes live if Gelato finishes).")
    first_check_seconds: float = Field(
        default=10, gt=0, description="First status poll after a create when no webhook came.")
    max_check_interval_seconds: float = Field(
        default=300, gt=0, description="Polling backs off exponentially up to this interval.")
    check_backoff: float = Field(default=2.0, ge=1, description="Factor between successive polls.")
    checks_per_tick: int = Field(
        default=200, ge=1, le=5000,
        description="Products the status sensor looks at per tick (bounded: a tick times out at 60 s).")
    check_concurrency: int = Field(
        default=4, ge=1, le=32, description="Concurrent status GETs the sensor sends to Gelato.")
    create_concurrency: int = Field(
        default=4, ge=1, le=32,
        description="Artworks a publishing run sends to Gelato at once (a batch run publishes many); "
        "each sends its creates one at a time. Runs in the gelato_api pool multiply it.")

    @model_validator(mode="after")
    def _intervals_make_sense(self) -> "PublishingSettings":
        if self.max_check_interval_seconds < self.first_check_seconds:
            raise ValueError("max_check_interval_seconds must be at least first_check_seconds")
        return self

    def check_interval(self, checks_done: int) -> float:
        """Seconds until the next status poll after `checks_done` polls."""
        return min(self.max_check_interval_seconds,
                   self.first_check_seconds * self.check_backoff ** min(checks_done, 64))
