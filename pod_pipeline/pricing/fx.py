"""Exchange rates from the settings and/or an ECB eurofxref file (daily XML or CSV).

Rates are units of a currency per 1 unit of the base (ECB publishes per 1 EUR). A cross rate
is kept at 8 decimals, and that stored figure is what pricing multiplies by, so a price can be
re-derived exactly from its row.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pod_pipeline.pricing.money import RATE_STEP
from pod_pipeline.settings.pricing import FxSettings


class FxError(ValueError):
    """A rate is missing or the rates file cannot be read; the message says which and how to fix it."""


@dataclass(frozen=True)
class FxRates:
    base: str
    rates: dict[str, Decimal] = field(default_factory=dict)
    as_of: date | None = None
    source: str = "settings"

    def rate(self, from_currency: str, to_currency: str) -> Decimal:
        """Units of `to_currency` per 1 `from_currency`, at 8 decimals."""
        if from_currency == to_currency:
            return Decimal(1)
        missing = [c for c in (from_currency, to_currency) if c != self.base and c not in self.rates]
        if missing:
            raise FxError(f"no exchange rate for {', '.join(missing)} (base {self.base}, from {self.source}): "
                          "add it under pricing.fx.rates or point pricing.fx.rates_file at an ECB eurofxref file")
        per_base = {self.base: Decimal(1), **self.rates}
        return (per_base[to_currency] / per_base[from_currency]).quantize(RATE_STEP)

    def convert(self, amount: Decimal, from_currency: str, to_currency: str) -> Decimal:
        return amount * self.rate(from_currency, to_currency)


def _decimal(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as error:
        raise FxError(f"{where}: {text!r} is not a number") from error
    if value <= 0:
        raise FxError(f"{where}: rate must be positive, got {value}")
    return value


def _parse_date(text: str, where: str) -> date:
    for pattern in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise FxError(f"{where}: {text!r} is not a date")


def parse_ecb_xml(text: str, where: str) -> tuple[date, dict[str, Decimal]]:
    """eurofxref-daily.xml (or -hist.xml: the newest day wins)."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise FxError(f"{where} is not valid XML: {error}") from error
    days = [cube for cube in root.iter() if cube.tag.endswith("Cube") and "time" in cube.attrib]
    if not days:
        raise FxError(f"{where} has no <Cube time=...> element: not an ECB eurofxref file")
    newest = max(days, key=lambda cube: _parse_date(cube.attrib["time"], where))
    rates = {cube.attrib["currency"].strip(): _decimal(cube.attrib["rate"], f"{where} {cube.attrib['currency']}")
             for cube in newest if "currency" in cube.attrib}
    return _parse_date(newest.attrib["time"], where), rates


def parse_ecb_csv(text: str, where: str) -> tuple[date, dict[str, Decimal]]:
    """eurofxref.csv (`Date, USD, JPY, ...` then one row per day; the newest day wins)."""
    rows = [[cell.strip() for cell in row] for row in csv.reader(text.splitlines()) if any(c.strip() for c in row)]
    if len(rows) < 2 or rows[0][0].lower() != "date":
        raise FxError(f"{where} does not start with a `Date, <currency>, ...` header: not an ECB eurofxref CSV")
    header, days = rows[0], rows[1:]
    newest = max(days, key=lambda row: _parse_date(row[0], where))
    rates = {currency: _decimal(value, f"{where} {currency}")
             for currency, value in zip(header[1:], newest[1:]) if currency and value and value != "N/A"}
    return _parse_date(newest[0], where), rates


def load_rates(settings: FxSettings, base_dir: Path | None = None) -> FxRates:
    """Rates from the file (if any) overlaid with the inline ones; the date is the older of the two."""
    rates: dict[str, Decimal] = {}
    as_of, source = settings.as_of, "settings"
    if settings.rates_file:
        path = Path(settings.rates_file)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise FxError(f"cannot read pricing.fx.rates_file {path}: {error.strerror}") from error
        parse = parse_ecb_csv if path.suffix.lower() == ".csv" else parse_ecb_xml
        file_date, rates = parse(text, str(path))
        as_of = min(file_date, settings.as_of) if settings.as_of and settings.rates else file_date
        source = f"{path.name}" + (" + settings" if settings.rates else "")
    rates.update(settings.rates)
    rates.pop(settings.base, None)
    return FxRates(base=settings.base, rates=rates, as_of=as_of, source=source)
