"""Tenacity wait strategy for every external API: exponential backoff with full jitter, unless the
service said how long (an error with `retry_after`: Gelato's and Etsy's Retry-After, Shopify's refill time)."""

from __future__ import annotations

import random

from tenacity import RetryCallState


# A service's own Retry-After is honoured in full up to this; retrying earlier would only earn another 429.
MAX_HINTED_WAIT_SECONDS = 300.0


def wait_backoff_or_retry_after(base: float, cap: float, rng: random.Random | None = None):
    rng = rng or random.Random()

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hinted = getattr(error, "retry_after", None)
        if hinted is not None:
            return min(float(hinted), MAX_HINTED_WAIT_SECONDS)
        # Full jitter spreads a burst of clients apart instead of re-synchronising them.
        return rng.uniform(0, min(cap, base * 2 ** (state.attempt_number - 1)))

    return wait
