"""What every storefront client does and returns, and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Mapping, Protocol


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
