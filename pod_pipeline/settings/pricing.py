"""Pricing settings: margins, marketplace fees, minimum profit, currency conversion, rounding and
what to do when Gelato's costs move. Validated here; applied by `pod_pipeline.pricing`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# ISO 4217 currencies without a minor unit: always whole units, charm endings do not apply.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "ISK", "CLP", "VND", "UGX", "XAF", "XOF", "PYG", "RWF", "HUF"})
_CURRENCY = r"^[A-Z]{3}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_currency_keys(amounts: dict[str, Decimal]) -> dict[str, Decimal]:
    for currency, amount in amounts.items():
        if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
            raise ValueError(f"{currency!r} is not an ISO 4217 currency code (e.g. USD)")
        if amount < 0:
            raise ValueError(f"{currency} amount must not be negative")
    return amounts


class FeeSchedule(_Strict):
    """A marketplace's cut of each sale (Etsy: 6.5% transaction + ~3% payment + $0.25 + $0.20 listing)."""

    percent: Decimal = Field(default=Decimal(0), ge=0, lt=1, description="Share of the price taken per sale.")
    fixed: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Fixed fees per sale by currency, e.g. {USD: 0.45}. A selling currency not listed gets "
        "the first entry converted at the FX rate.",
    )

    _currencies = field_validator("fixed")(_check_currency_keys)


class RoundingRule(_Strict):
    """How a raw price becomes a shelf price: always rounded UP, so rounding never eats margin."""

    ending: Decimal | None = Field(
        default=Decimal("0.99"), ge=0, lt=1,
        description="Charm ending (0.99, 0.95); null rounds up to the cent. Ignored for currencies without "
        "minor units.",
    )
    whole_units: bool = Field(default=False, description="Round up to whole units (e.g. SEK 249).")

    @field_validator("ending")
    @classmethod
    def _cents_only(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value != value.quantize(Decimal("0.01")):
            raise ValueError("ending must be whole cents, e.g. 0.99")
        return value


class FxSettings(_Strict):
    """Exchange rates, for selling in a currency Gelato does not quote and for converting fixed
    fees and the minimum profit. Rates are units of each currency per 1 `base` (ECB style)."""

    base: str = Field(default="EUR", pattern=_CURRENCY)
    rates: dict[str, Decimal] = Field(default_factory=dict, description="e.g. {USD: 1.0812, GBP: 0.8391}.")
    as_of: date | None = Field(default=None, description="The date the inline rates were published.")
    rates_file: str | None = Field(
        default=None,
        description="An ECB eurofxref file (daily XML or CSV). Inline rates win over the file's for the "
        "same currency; the file's date is recorded with every price it converts.",
    )

    @field_validator("rates")
    @classmethod
    def _positive(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        _check_currency_keys(value)
        for currency, rate in value.items():
            if rate <= 0:
                raise ValueError(f"rate for {currency} must be positive")
        return value

    @model_validator(mode="after")
    def _dated(self) -> "FxSettings":
        if self.rates and self.as_of is None:
            raise ValueError("inline rates need as_of (the date they are from)")
        return self


RepricingPolicy = Literal["keep_margin", "keep_profit", "never_lower"]


class RepricingSettings(_Strict):
    policy: RepricingPolicy = Field(
        default="keep_margin",
        description="When costs move: keep_margin re-prices from the rules; keep_profit keeps each variant's "
        "cash profit when costs fall; never_lower never cuts a price. The target margin and minimum profit "
        "are always kept.",
    )
    schedule: str = Field(default="0 5 * * 1", min_length=9, description="Cron for the scheduled re-pricing.")
    dry_run: bool = Field(default=False, description="Scheduled re-pricing only reports what would change.")
    max_artworks_per_run: int = Field(
        default=10_000, ge=1, le=100_000, description="Artworks per range run; larger catalogs get a few runs."
    )


class PricingRules(_Strict):
    margin: Decimal = Field(default=Decimal("0.35"), ge=0, lt=1, description="Target margin (not markup).")
    margins_by_product_type: dict[str, Decimal] = Field(
        default_factory=dict, description="Margin per Gelato productType; a template's own margin wins."
    )
    marketplace: str = Field(default="etsy", min_length=1, description="Fee schedule of markets that name none.")
    marketplaces: dict[str, FeeSchedule] = Field(
        default_factory=lambda: {"etsy": FeeSchedule(percent=Decimal("0.095"), fixed={"USD": Decimal("0.45")})},
    )
    min_profit: dict[str, Decimal] = Field(
        default_factory=lambda: {"USD": Decimal("2.00")},
        description="Least cash kept per sale after cost and fees, by currency; others convert from the first.",
    )
    rounding: RoundingRule = Field(default_factory=RoundingRule)
    rounding_by_currency: dict[str, RoundingRule] = Field(default_factory=dict)
    fx: FxSettings = Field(default_factory=FxSettings)
    repricing: RepricingSettings = Field(default_factory=RepricingSettings)

    _min_profit_currencies = field_validator("min_profit")(_check_currency_keys)

    @field_validator("margins_by_product_type")
    @classmethod
    def _margins_in_range(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for product_type, margin in value.items():
            if not 0 <= margin < 1:
                raise ValueError(f"margin for {product_type} must be in [0, 1)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "PricingRules":
        if self.marketplace not in self.marketplaces:
            raise ValueError(f"marketplace {self.marketplace!r} has no entry under marketplaces")
        highest_fee = max(f.percent for f in self.marketplaces.values())
        for margin in [self.margin, *self.margins_by_product_type.values()]:
            if margin + highest_fee >= 1:
                raise ValueError(f"margin {margin} + fee percent {highest_fee} must be below 1")
        return self

    def rounding_for(self, currency: str) -> RoundingRule:
        rule = self.rounding_by_currency.get(currency, self.rounding)
        if currency in ZERO_DECIMAL_CURRENCIES:
            return RoundingRule(ending=None, whole_units=True)
        return rule
