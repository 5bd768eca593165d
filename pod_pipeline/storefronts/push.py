"""Pushing due prices: the catalog says which variants' marketplace price differs from the
catalog's price (new live products, re-priced variants, products Gelato replaced, earlier
failures whose back-off passed); each product's due variants go in one push; every outcome is
recorded. A failed product never stops the others; a failed variant backs off (1 min, doubling,
at most 6 h) and keeps its reason, which the seller sees on the artwork and in reconcile."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby

from pod_pipeline.catalog.base import Catalog
from pod_pipeline.catalog.rows import DuePrice, StorefrontPriceRow
from pod_pipeline.settings.stores import StoreSettings
from pod_pipeline.storefronts.base import PushResult, Storefront, StorefrontError, VariantPrice

RETRY_FIRST_SECONDS = 60.0
RETRY_MAX_SECONDS = 6 * 3600.0


def next_attempt(at: datetime, attempts: int) -> datetime:
    return at + timedelta(seconds=min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** max(0, attempts - 1)))


@dataclass
class PushReport:
    products: int = 0
    pushed: int = 0
    failed: int = 0
    calls: int = 0
    throttled: int = 0
    waited_seconds: float = 0.0
    rows: list[dict] = field(default_factory=list)  # one per variant, for the run's table
    failures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # artwork → reasons

    def summary(self) -> str:
        return (f"{self.pushed} prices pushed, {self.failed} failed, {self.products} products, {self.calls} "
                f"storefront calls ({self.throttled} throttled, {self.waited_seconds:.1f} s waiting on limits)")


def push_due(catalog: Catalog, storefront: Storefront, store: StoreSettings, at: datetime,
             limit: int = 500) -> PushReport:
    report = PushReport()
    due = catalog.due_storefront_prices(at, limit, stores=[store.name])
    for product_external_id, group in groupby(due, key=lambda d: d.product_external_id):
        rows = list(group)
        report.products += 1
        try:
            result = storefront.push_prices(product_external_id, [
                VariantPrice(r.external_id, r.price, r.currency) for r in rows])
        except StorefrontError as failed:
            result = PushResult(refused={r.external_id: str(failed) for r in rows})
        report.calls += result.calls
        report.throttled += result.throttled
        report.waited_seconds += result.waited_seconds
        records = [_record(row, result, store, at, report) for row in rows]
        catalog.record_storefront_prices(records + _renamed_others(catalog, rows, result, store))
    return report


def _renamed_others(catalog: Catalog, rows: list[DuePrice], result: PushResult,
                    store: StoreSettings) -> list[StorefrontPriceRow]:
    """The product's variants that were not pushed but that the marketplace renumbered on the
    write (Etsy renumbers a whole listing): their records follow, so the next push finds them."""
    if not result.renamed:
        return []
    first, due = rows[0], {row.template_variant_id for row in rows}
    records = {r.template_variant_id: r for r in catalog.storefront_prices_for(first.artwork_id)
               if r.product_id == first.product_id}
    followed = []
    for variant in catalog.variants_for(first.product_id):
        if variant.template_variant_id in due or not variant.external_id:
            continue
        record = records.get(variant.template_variant_id)
        same_product = record is not None and record.product_external_id == first.product_external_id
        current = record.external_id if same_product and record.external_id else variant.external_id
        new = result.renamed.get(str(current))
        if not new or new == current:
            continue
        if same_product:
            followed.append(record.model_copy(update={"external_id": new}))
        else:  # nothing known of what the storefront shows for it: due when it has a price
            followed.append(StorefrontPriceRow(
                product_id=first.product_id, template_variant_id=variant.template_variant_id,
                artwork_id=first.artwork_id, user_id=first.user_id, store=store.name, marketplace=store.marketplace,
                product_external_id=first.product_external_id, external_id=new))
    return followed


def _record(row: DuePrice, result: PushResult, store: StoreSettings, at: datetime,
            report: PushReport) -> StorefrontPriceRow:
    common = dict(product_id=row.product_id, template_variant_id=row.template_variant_id, artwork_id=row.artwork_id,
                  user_id=row.user_id, store=store.name, marketplace=store.marketplace)
    if row.external_id in result.pushed:
        report.pushed += 1
        report.rows.append({"artwork": row.artwork_id, "product": row.product_external_id, "variant": row.external_id,
                            "price": str(row.price), "currency": row.currency, "storefront_price": str(row.price),
                            "outcome": "pushed", "reason": ""})
        return StorefrontPriceRow(**common, product_external_id=row.product_external_id,
                                  external_id=result.renamed.get(row.external_id, row.external_id), price=row.price,
                                  currency=row.currency, attempts=0, pushed_at=at)
    reason = result.refused.get(row.external_id) or "the storefront did not confirm the price"
    report.failed += 1
    report.failures[row.artwork_id].append(f"{row.external_id}: {reason}")
    report.rows.append({"artwork": row.artwork_id, "product": row.product_external_id, "variant": row.external_id,
                        "price": str(row.price), "currency": row.currency,
                        "storefront_price": str(row.last_price) if row.last_price is not None else "",
                        "outcome": "failed", "reason": reason})
    attempts = row.attempts + 1
    # What the marketplace shows is unchanged: keep the last push's price and ids.
    return StorefrontPriceRow(**common, product_external_id=row.last_product_external_id,
                              external_id=row.last_external_id, price=row.last_price, currency=row.last_currency,
                              error=reason[:500], attempts=attempts, next_attempt_at=next_attempt(at, attempts))
