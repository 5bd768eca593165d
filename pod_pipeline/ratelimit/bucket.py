"""Token-bucket arithmetic, shared by every backend, and the in-process backend.

A bucket holds up to `burst` tokens and refills at `rate_per_second`. A caller *reserves*: the
tokens are taken at once, even when that drives the bucket below zero, and the caller sleeps
until the refill has paid the debt (`wait_seconds`). Each caller therefore learns its exact
start time from one atomic step, and callers never spin re-checking the bucket: whatever the
number of processes, the requests started in any window of `d` seconds are at most
`burst + rate_per_second * d`. A reservation that would wait longer than the caller accepts is
refused and takes nothing, so a refused caller does not push everyone else back.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol


@dataclass(frozen=True)
class Limit:
    """What one API allows: `rate_per_second` on average, `burst` at once after a quiet spell.
    `setting` names where the rate came from, for error messages."""

    rate_per_second: float
    burst: float
    setting: str = ""

    def __post_init__(self) -> None:
        if not self.rate_per_second > 0:
            raise ValueError(f"a rate limit needs a positive rate, not {self.rate_per_second!r}")
        if not self.burst >= 1:
            raise ValueError(f"a rate limit's burst must be at least 1 request, not {self.burst!r}")


@dataclass(frozen=True)
class Bucket:
    tokens: float
    refilled_at: float  # seconds on the backend's clock


@dataclass(frozen=True)
class Reservation:
    wait_seconds: float
    granted: bool


class Backend(Protocol):
    def reserve(self, api: str, limit: Limit, tokens: float, max_wait_seconds: float) -> Reservation: ...

    def close(self) -> None: ...


def check_request(limit: Limit, tokens: float) -> None:
    # More than a full bucket could be reserved, but no window would ever honour the burst.
    if not 0 < tokens <= limit.burst:
        raise ValueError(f"cannot take {tokens} tokens at once from a bucket of {limit.burst}")


def reserve(bucket: Bucket | None, now: float, limit: Limit, tokens: float,
            max_wait_seconds: float) -> tuple[Bucket | None, Reservation]:
    """The bucket after reserving `tokens` at `now` (None: unchanged) and the caller's wait.
    A missing bucket is full. A clock that went back refills nothing."""
    if bucket is None:
        available, since = limit.burst, now
    else:
        elapsed = max(0.0, now - bucket.refilled_at)
        available = min(limit.burst, bucket.tokens + elapsed * limit.rate_per_second)
        since = max(now, bucket.refilled_at)
    after = available - tokens
    wait = max(0.0, -after / limit.rate_per_second)
    if wait > max_wait_seconds:
        return None, Reservation(wait, granted=False)
    return Bucket(after, since), Reservation(wait, granted=True)


class MemoryBuckets:
    """Buckets in this process only: the backend when no shared database is configured."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def reserve(self, api: str, limit: Limit, tokens: float, max_wait_seconds: float) -> Reservation:
        check_request(limit, tokens)
        with self._lock:
            bucket, reservation = reserve(self._buckets.get(api), self._clock(), limit, tokens, max_wait_seconds)
            if bucket is not None:
                self._buckets[api] = bucket
        return reservation

    def close(self) -> None:
        pass
