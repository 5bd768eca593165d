"""Shared, unpartitioned assets: the Gelato templates the seller publishes to and their unit
costs. They are the cache: every artwork run reads them instead of calling Gelato again."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pandas as pd
from dagster import AssetExecutionContext, Backoff, Jitter, RetryPolicy, asset

from pod_pipeline.gelato.errors import GelatoAuthError, GelatoClientError
from pod_pipeline.gelato.models import Template
from pod_pipeline.defs.automation import NIGHTLY_FRESHNESS, nightly
from pod_pipeline.defs.gelato_resource import GelatoResource
from pod_pipeline.defs.runs import GELATO_POOL
from pod_pipeline.defs.resources import SettingsResource
from pod_pipeline.defs.ui_metadata import table as ui_table

PRICE_READS_AT_ONCE = 4  # price reads in flight during a cache refresh
gelato_retry = RetryPolicy(max_retries=3, delay=5, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)


@asset(group_name="gelato", kinds={"gelato"}, pool=GELATO_POOL, retry_policy=gelato_retry,
       automation_condition=nightly(), freshness_policy=NIGHTLY_FRESHNESS)
def templates(context: AssetExecutionContext, gelato: GelatoResource, settings: SettingsResource) -> dict[str, Template]:
    """The Gelato templates every artwork is published to, fetched from Gelato's template API.

    One store product is made per template; its variants (sizes, colours) and print areas (in mm)
    decide whether an artwork is sharp enough to print. Refreshed on a schedule."""
    seller = settings.load()
    with gelato.client() as client:
        fetched = {choice.id: client.get_template(choice.id) for choice in seller.templates}
    table = pd.DataFrame([
        {"template": t.title, "id": t.id, "product type": t.product_type, "variants": len(t.variants),
         "placeholders": ", ".join(sorted({p.name for v in t.variants for p in v.image_placeholders})),
         "updated": t.updated_at}
        for t in fetched.values()
    ])
    context.add_output_metadata({
        "templates": len(fetched),
        "variants": sum(len(t.variants) for t in fetched.values()),
        "gelato_calls": sum(client.calls.values()),
        "catalog": ui_table(table),
    })
    return fetched


def unique_price_keys(fetched: dict[str, Template], markets: list) -> list[tuple[str, str, str]]:
    uids = sorted({v.product_uid for t in fetched.values() for v in t.variants})
    # A market Gelato cannot quote in its selling currency is asked in its quote_currency.
    keys = dict.fromkeys((uid, m.country, m.cost_currency) for uid in uids for m in markets)
    return list(keys)


def unit_cost_row(context: AssetExecutionContext, client, uid: str, country: str, currency: str) -> dict:
    try:
        tiers = client.get_prices(uid, country, currency)
    except GelatoAuthError:
        raise
    except GelatoClientError as refused:
        # One product Gelato will not quote must not block the others' costs.
        context.log.warning(f"no price for {uid} in {country}/{currency}: {refused}")
        return {"product_uid": uid, "country": country, "currency": currency, "unit_cost": None,
                "sold": False, "basis": f"Gelato refused: {refused.status}"}
    unit = next((t for t in tiers if t.quantity == 1), None)
    if unit is None and tiers:
        # No quantity-1 row: the smallest tier's total / quantity is the honest stand-in.
        smallest = min(tiers, key=lambda t: t.quantity)
        cost, basis = smallest.price / smallest.quantity, f"quantity {smallest.quantity} tier"
    elif unit is not None:
        cost, basis = unit.price, "quantity 1"
    else:
        cost, basis = None, "not sold"
    return {"product_uid": uid, "country": country, "currency": currency,
            "unit_cost": Decimal(cost) if cost is not None else None, "sold": cost is not None, "basis": basis}


@asset(group_name="gelato", kinds={"gelato", "pandas"}, pool=GELATO_POOL, retry_policy=gelato_retry,
       automation_condition=nightly(), freshness_policy=NIGHTLY_FRESHNESS)
def base_costs(context: AssetExecutionContext, templates: dict[str, Template], gelato: GelatoResource,
               settings: SettingsResource) -> pd.DataFrame:
    """Gelato's unit cost (the quantity-1 price) per product × country × currency.

    Fetched once per refresh for every unique product of the configured templates, never per
    artwork. A product Gelato does not sell in a country is recorded as not sold, not as free."""
    seller = settings.load()
    with gelato.client() as client:
        def cost_row(key: tuple[str, str, str]) -> dict:
            return unit_cost_row(context, client, *key)

        # A few reads side by side: the refresh is dozens of independent GETs.
        with ThreadPoolExecutor(max_workers=PRICE_READS_AT_ONCE, thread_name_prefix="gelato-prices") as pool:
            rows = list(pool.map(cost_row, unique_price_keys(templates, seller.markets)))
    frame = pd.DataFrame(rows)
    context.add_output_metadata({
        "price_keys": len(frame),
        "not_sold": int((~frame["sold"]).sum()),
        "gelato_calls": sum(client.calls.values()),
        "costs": ui_table(frame),
    })
    return frame
