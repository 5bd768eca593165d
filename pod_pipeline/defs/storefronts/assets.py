"""The `storefront_prices` asset: every due retail price pushed to the store's marketplace."""

import time
from datetime import timedelta

import pandas as pd
from dagster import (AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext, AssetObservation,
                     Backoff, Failure, MaterializeResult, MetadataValue, RetryPolicy, asset)

from pod_pipeline.catalog.rows import now
from pod_pipeline.defs.resources import CatalogResource, SettingsResource
from pod_pipeline.defs.runs import STOREFRONT_POOL
from pod_pipeline.defs.storefronts.resource import StorefrontsResource
from pod_pipeline.defs.ui_metadata import table
from pod_pipeline.settings.mode import ConfigurationError
from pod_pipeline.storefronts.push import PushReport, push_due

ALL_ON_STOREFRONT = AssetCheckSpec(
    "every_live_price_on_the_storefront", asset="storefront_prices",
    description="After the push, no live variant's catalog price is missing from the storefront (failures "
    "waiting on their back-off included); warns with the variants still off and why.")
ROUND_SIZE = 500  # due variants read per round; a run drains rounds until none is due
TIME_BUDGET_SECONDS = 600.0  # what is left is due again at the next run


@asset(group_name="publishing", kinds={"shopify", "etsy"}, pool=STOREFRONT_POOL, code_version="1",
       deps=["prices", "published_products"], check_specs=[ALL_ON_STOREFRONT],
       retry_policy=RetryPolicy(max_retries=2, delay=10, backoff=Backoff.EXPONENTIAL))
def storefront_prices(context: AssetExecutionContext, catalog: CatalogResource, settings: SettingsResource,
                      storefronts: StorefrontsResource) -> MaterializeResult:
    """Each live variant's retail price, set in the marketplace itself, in every store that names
    its marketplace credentials.

    Gelato's create-from-template takes no price, so the buyer would see the template's: this
    pushes the catalog's price of every variant whose product is live in the store and whose
    marketplace price differs (new products, re-priced variants, products Gelato replaced) to
    Shopify (`productVariantsBulkUpdate`, within the shop's cost bucket) or Etsy (the listing's
    whole inventory, within the app's per-second budget), matched by the ids Gelato returns.
    A variant the marketplace refuses keeps its reason and is tried again after a back-off
    (1 min, doubling, at most 6 h); the artwork's `published_products` partition shows it. Started
    by `storefront_price_sensor` whenever a price is due."""
    seller, db = settings.load(), catalog.open()
    pushing = [store for store in seller.all_stores() if store.pushes_prices()]
    try:
        clients = [(store, storefronts.client(store)) for store in pushing]
    except ConfigurationError as unset:  # a retry cannot set a variable
        raise Failure(str(unset), allow_retries=False) from None
    total, rows = PushReport(), []
    for store, client in clients:
        report, started = PushReport(), time.monotonic()
        with client:
            while time.monotonic() - started < TIME_BUDGET_SECONDS:
                one = push_due(db, client, store, now(), ROUND_SIZE)
                _add(report, one)
                if one.pushed == 0:
                    break  # nothing was due, or only failures (backed off now): a later run takes what is left
        context.log.info(f"{store.name} ({store.marketplace}): {report.summary()}")
        _add(total, report)
        rows += [{"store": store.name, "marketplace": store.marketplace, **row} for row in report.rows]
    for artwork_id in sorted({row["artwork"] for row in total.rows}):
        reasons = total.failures.get(artwork_id, [])
        context.log_event(AssetObservation(
            asset_key="published_products", partition=artwork_id,
            description="storefront prices pushed by storefront_prices",
            metadata={"storefront_prices": "failed" if reasons else "pushed",
                      "storefront_reason": "; ".join(reasons[:3])}))
    frame = pd.DataFrame(rows, columns=["store", "marketplace", "artwork", "product", "variant", "price", "currency",
                                        "storefront_price", "outcome", "reason"])
    not_pushing = [f"{s.name} ({s.marketplace})" for s in seller.all_stores() if not s.pushes_prices()]
    return MaterializeResult(check_results=[_all_on_storefront(db, [s.name for s in pushing])], metadata={
        "stores": ", ".join(f"{s.name} ({s.marketplace})" for s in pushing) or "none",
        "stores_not_pushing": ", ".join(not_pushing) or "none",
        "prices_pushed": total.pushed, "prices_failed": total.failed, "products": total.products,
        "storefront_calls": total.calls, "throttled": total.throttled,
        "seconds_waiting_on_limits": round(total.waited_seconds, 1),
        "pushes": table(frame),
        "failures": MetadataValue.md("\n".join(f"- **{a}**: {'; '.join(r[:3])}" for a, r in total.failures.items())
                                     or "none"),
    })


def _all_on_storefront(db, stores: list[str]) -> AssetCheckResult:
    # A day on, every back-off has passed: what is due then is every price not on the storefront.
    off = db.due_storefront_prices(now() + timedelta(days=1), limit=1000, stores=stores)
    return AssetCheckResult(
        check_name=ALL_ON_STOREFRONT.name, passed=not off, severity=AssetCheckSeverity.WARN,
        metadata={"variants_off_the_storefront": len(off),
                  "examples": MetadataValue.md("\n".join(
                      f"- {d.artwork_id}: product {d.product_external_id}, variant {d.external_id}, "
                      f"{d.price} {d.currency} (attempts {d.attempts})" for d in off[:10]) or "none")})


def _add(total: PushReport, report: PushReport) -> None:
    total.products += report.products
    total.pushed += report.pushed
    total.failed += report.failed
    total.calls += report.calls
    total.throttled += report.throttled
    total.waited_seconds += report.waited_seconds
    total.rows += report.rows
    for artwork, reasons in report.failures.items():
        total.failures[artwork] += reasons
