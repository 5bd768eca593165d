"""`RateLimiter.acquire(api)`: wait for a slot in the request budget of an external API.

Where the budget lives follows the catalog URL: `postgresql://…` shares it between every worker
on every host using that catalog, `sqlite:///…` between the processes on this host, none (or no
URL) keeps it in this process. An API without a configured limit costs nothing: no backend is
even opened.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable, Mapping

from pod_pipeline.ratelimit.bucket import Backend, Limit, MemoryBuckets

log = logging.getLogger(__name__)

GELATO = "gelato"
ANTHROPIC = "anthropic"
# Long enough to ride out a burst of many workers, short enough that a run which cannot get a
# slot fails visibly (and Dagster's RetryPolicy tries later) instead of hanging.
DEFAULT_MAX_WAIT_SECONDS = 300.0
NOTABLE_WAIT_SECONDS = 5.0


class RateLimitTimeout(RuntimeError):
    """The shared budget is booked further ahead than a caller may wait."""


class RateLimiter:
    def __init__(self, backend: Backend | None, limits: Mapping[str, Limit], *,
                 max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS, sleep: Callable[[float], None] = time.sleep):
        if limits and backend is None:
            raise ValueError("a rate limiter with limits needs a backend")
        self._backend = backend
        self.limits = dict(limits)
        self.max_wait_seconds = max_wait_seconds
        self._sleep = sleep

    def acquire(self, api: str, tokens: float = 1) -> float:
        """Block until `tokens` requests to `api` fit the budget; return the seconds waited."""
        limit = self.limits.get(api)
        if limit is None:
            return 0.0
        reservation = self._backend.reserve(api, limit, tokens, self.max_wait_seconds)
        if not reservation.granted:
            raise RateLimitTimeout(
                f"the {api} request budget ({limit.rate_per_second:g}/s, burst {limit.burst:g}"
                f"{', ' + limit.setting if limit.setting else ''}) is booked {reservation.wait_seconds:.1f} s ahead, "
                f"more than the {self.max_wait_seconds:g} s a call may wait: more work shares it than it "
                "allows (raise the limit if the provider allows more, or run fewer workers)")
        if reservation.wait_seconds >= NOTABLE_WAIT_SECONDS:  # why a run is slow, in its log
            log.info("waiting %.1f s for a slot in the shared %s request budget", reservation.wait_seconds, api)
        if reservation.wait_seconds > 0:
            self._sleep(reservation.wait_seconds)
        return reservation.wait_seconds


NO_LIMIT = RateLimiter(None, {})


_BACKENDS: dict[str | None, Backend] = {}
_BACKENDS_LOCK = threading.Lock()


def backend_for(url: str | None) -> Backend:
    """One backend per catalog URL per process (each keeps its connections open). Built under a
    lock: threads starting together must not each initialise a new SQLite file at once."""
    with _BACKENDS_LOCK:
        if url not in _BACKENDS:
            _BACKENDS[url] = _new_backend(url)
        return _BACKENDS[url]


def _new_backend(url: str | None) -> Backend:
    if not url:
        return MemoryBuckets()
    if url.startswith("sqlite:///"):
        from pod_pipeline.ratelimit.sqlite import SqliteBuckets

        return SqliteBuckets(Path(url.removeprefix("sqlite:///")))
    if url.startswith(("postgresql://", "postgres://")):
        from pod_pipeline.ratelimit.postgres import PostgresBuckets

        return PostgresBuckets(url)
    raise ValueError("a shared rate limit lives in the catalog: use sqlite:///<path> or postgresql://… "
                     "(POD_CATALOG_URL)")


def limiter_for(url: str | None, limits: Mapping[str, Limit | None], **options) -> RateLimiter:
    """A limiter for the configured `limits` (None values dropped); NO_LIMIT when there are none."""
    configured = {api: limit for api, limit in limits.items() if limit is not None}
    if not configured:
        return NO_LIMIT
    return RateLimiter(backend_for(url), configured, **options)
