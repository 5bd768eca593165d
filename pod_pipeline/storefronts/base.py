"""What every storefront client does and returns, and the errors it raises."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterator, Mapping, Protocol

import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt

from pod_pipeline.observability.scrubbing import Scrubber
from pod_pipeline.ratelimit.backoff import wait_backoff_or_retry_after
from pod_pipeline.net.tls import shared_tls_context


@dataclass(frozen=True)
class VariantPrice:
    """One variant's retail price, keyed by the marketplace's own variant id (Gelato's
    `variants[].externalId`)."""

    variant_id: str
    price: Decimal
    currency: str


@dataclass
class PushResult:
    """What a price push did: variants whose price is now the one sent, variants the marketplace
    refused (with its reason), ids the marketplace renumbered on the write (Etsy: {old: new}),
    and the calls it took (throttled retries included)."""

    pushed: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    throttled: int = 0
    waited_seconds: float = 0.0


class StorefrontError(RuntimeError):
    """A storefront call failed. `retryable`: a later try may succeed (throttling, 5xx, network);
    `retry_after`: seconds the service asked us to wait, when it said."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Storefront(Protocol):
    marketplace: str

    def push_prices(self, product_id: str, prices: list[VariantPrice]) -> PushResult:
        """Set these variants' prices on the marketplace product `product_id` (Gelato's
        `externalId`); other variants keep theirs."""

    def read_prices(self, product_id: str) -> Mapping[str, Decimal]:
        """{variant id: price} as the marketplace shows it to buyers now."""


def money(value: Decimal) -> str:
    """A price as both APIs take it in requests: a plain decimal with two places."""
    return f"{value.quantize(Decimal('0.01'))}"


class StorefrontClient:
    """What both marketplace clients share: one HTTP client with the credentials' headers, errors
    scrubbed of the credentials (a careless upstream may quote one back), every retryable
    failure retried with backoff (or the wait the service asked for), and the calls, throttled
    answers and seconds spent waiting counted for the push's report."""

    def __init__(self, headers: dict[str, str], secrets: list[str], *, timeout_seconds: float, max_attempts: int,
                 backoff_base: float, backoff_max: float, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None):
        self._http = httpx.Client(timeout=timeout_seconds, transport=transport, headers=headers,
                                   verify=shared_tls_context())
        self._scrub = Scrubber(secrets)
        self._sleep = sleep
        self._max_attempts, self._backoff_base, self._backoff_max = max_attempts, backoff_base, backoff_max
        self.calls = self.throttled = 0
        self.waited_seconds = 0.0

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waited_seconds += seconds
            self._sleep(seconds)

    def _retrying(self, attempt: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        retrying = Retrying(stop=stop_after_attempt(self._max_attempts),
                            wait=wait_backoff_or_retry_after(self._backoff_base, self._backoff_max),
                            retry=retry_if_exception(lambda e: isinstance(e, StorefrontError) and e.retryable),
                            sleep=self._wait, reraise=True)
        return retrying(attempt, *args, **kwargs)

    @contextmanager
    def _counting(self, result: PushResult) -> Iterator[PushResult]:
        """The calls, throttled answers and waiting the block took, put into `result`."""
        calls, throttled, waited = self.calls, self.throttled, self.waited_seconds
        try:
            yield result
        finally:
            result.calls, result.throttled = self.calls - calls, self.throttled - throttled
            result.waited_seconds = self.waited_seconds - waited
