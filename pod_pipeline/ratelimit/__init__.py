"""Request budgets for external APIs (Gelato, Anthropic) shared by every worker using the same
catalog database: a token bucket per API, reserved atomically (see bucket.py)."""

from pod_pipeline.ratelimit.bucket import Limit, MemoryBuckets, Reservation
from pod_pipeline.ratelimit.limiter import (
    ANTHROPIC,
    DEFAULT_MAX_WAIT_SECONDS,
    GELATO,
    NO_LIMIT,
    RateLimiter,
    RateLimitTimeout,
    backend_for,
    limiter_for,
)

__all__ = [
    "ANTHROPIC",
    "DEFAULT_MAX_WAIT_SECONDS",
    "GELATO",
    "NO_LIMIT",
    "Limit",
    "MemoryBuckets",
    "RateLimitTimeout",
    "RateLimiter",
    "Reservation",
    "backend_for",
    "limiter_for",
]
