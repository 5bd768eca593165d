"""The stand-ins' fault knobs and the seeded dice behind them (seeded: a failing run replays)."""

from __future__ import annotations

import random
import threading

from pydantic import BaseModel, ConfigDict, Field


class StorefrontFaults(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # Shopify: THROTTLED answers on top of the real bucket; Etsy: 429s on top of its per-second limit.
    rate_throttled: float = Field(default=0.0, ge=0.0, le=1.0)
    rate_5xx: float = Field(default=0.0, ge=0.0, le=1.0)
    latency_seconds: float = Field(default=0.0, ge=0.0)


class Dice:
    def __init__(self, faults: StorefrontFaults, seed: int = 0):
        self.faults = faults
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def roll(self, knob: str) -> bool:
        with self._lock:
            return self._rng.random() < getattr(self.faults, knob)
