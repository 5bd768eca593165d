"""Fault knobs and the seeded dice that turn them into failed responses. Knobs can be changed
while the server runs (`PUT /_sandbox/faults`), so benchmarks can flip an outage on and off."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field


class FaultKnobs(BaseModel):
    """Every knob that can change at run time. A new kind of fault (timeouts, lost responses
    after the write happened, ...) gets its knob here and its effect in `FaultInjector.draw`
    (or, for faults that need the handler to run first, in `app._gelato_endpoint`)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    latency_seconds: float = Field(default=0.0, ge=0.0)
    rate_429: float = Field(default=0.0, ge=0.0, le=1.0)
    # When set, 429s carry `Retry-After` (Gelato does not document it; clients must cope with both).
    retry_after_seconds: float | None = Field(default=None, ge=0.0)
    rate_5xx: float = Field(default=0.0, ge=0.0, le=1.0)
    # A request that hangs `hang_seconds` unprocessed, then 504 (the client times out first).
    rate_timeout: float = Field(default=0.0, ge=0.0, le=1.0)
    # A create that IS made, whose response is then lost: hang, then 504. The ambiguous failure
    # Gelato's missing idempotency key makes dangerous.
    rate_lost_create: float = Field(default=0.0, ge=0.0, le=1.0)
    hang_seconds: float = Field(default=30.0, ge=0.0)
    # Products that end in publishing_error, or stay `publishing` `stuck_seconds` longer.
    rate_publishing_error: float = Field(default=0.0, ge=0.0, le=1.0)
    rate_stuck_publishing: float = Field(default=0.0, ge=0.0, le=1.0)
    # Error answers that quote the caller's X-API-KEY back, as a careless upstream or proxy can:
    # nothing the pipeline keeps (logs, event log, catalog) may then hold the key.
    echo_api_key: bool = False
    # Variants the store never connects (each one drawn alone): the product stays not live.
    rate_variant_not_connected: float = Field(default=0.0, ge=0.0, le=1.0)
    stuck_seconds: float = Field(default=3600.0, ge=0.0)
    # Webhooks never sent, sent twice, or held back up to `webhook_delay_seconds` (out of order).
    rate_webhook_drop: float = Field(default=0.0, ge=0.0, le=1.0)
    rate_webhook_duplicate: float = Field(default=0.0, ge=0.0, le=1.0)
    rate_webhook_delay: float = Field(default=0.0, ge=0.0, le=1.0)
    webhook_delay_seconds: float = Field(default=2.0, ge=0.0)


@dataclass(frozen=True)
class Fault:
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


_5XX = ((500, "Internal server error"), (502, "Bad gateway"), (503, "Service unavailable"))


class FaultInjector:
    def __init__(self, knobs: FaultKnobs, seed: int) -> None:
        self._knobs = knobs.model_copy()
        # Seeded so a failing benchmark run can be replayed with the same sequence of faults.
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    @property
    def knobs(self) -> FaultKnobs:
        with self._lock:
            return self._knobs.model_copy()

    def update(self, changes: dict) -> FaultKnobs:
        """Apply a partial update; raises pydantic.ValidationError and changes nothing if any
        value is bad."""
        with self._lock:
            merged = FaultKnobs.model_validate({**self._knobs.model_dump(), **changes})
            self._knobs = merged
            return merged.model_copy()

    def roll(self, knob: str) -> bool:
        """True with the probability the knob (a rate) gives; seeded like every other draw."""
        with self._lock:
            rate = getattr(self._knobs, knob)
            return bool(rate) and self._rng.random() < rate

    def uniform(self, high: float) -> float:
        with self._lock:
            return self._rng.uniform(0.0, high)

    def draw(self) -> Fault | None:
        with self._lock:
            knobs, rng = self._knobs, self._rng
            if knobs.rate_429 and rng.random() < knobs.rate_429:
                headers = {}
                if knobs.retry_after_seconds is not None:
                    # HTTP allows only whole seconds; round up so a client never retries early.
                    headers["Retry-After"] = str(int(-(-knobs.retry_after_seconds // 1)))
                return Fault(429, "Too many requests", headers)
            if knobs.rate_5xx and rng.random() < knobs.rate_5xx:
                status, message = rng.choice(_5XX)
                return Fault(status, message)
            return None
