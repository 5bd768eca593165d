"""The `prices` asset: a retail price for every publishable variant in every market."""

import pandas as pd
from dagster import AssetExecutionContext, asset

from pod_pipeline.partitions import artworks_partitions
from pod_pipeline.pricing import profit, retail_price
from pod_pipeline.resources import SettingsResource
from pod_pipeline.settings import SellerSettings
from pod_pipeline.ui_metadata import table


def price_variants(variants: pd.DataFrame, base_costs: pd.DataFrame, seller: SellerSettings) -> pd.DataFrame:
    sellable = (variants[variants["template_publishable"]]
                .drop_duplicates("template_variant_id")
                [["template_id", "template_variant_id", "variant_title", "product_uid"]])
    markets = pd.DataFrame([m.model_dump() for m in seller.markets])
    frame = sellable.merge(markets, how="cross").merge(
        base_costs[["product_uid", "country", "currency", "unit_cost", "sold"]],
        on=["product_uid", "country", "currency"], how="left",
    )
    # A missing base cost means the shared cache predates this template: not sold, never free.
    frame["sold"] = frame["sold"].fillna(False).astype(bool)
    margins = frame["template_id"].map(seller.margin_for)
    rules = seller.pricing
    frame["margin_target"] = margins
    frame["price"] = [
        retail_price(cost, margin, currency, rules) if sold else None
        for cost, margin, currency, sold in zip(frame["unit_cost"], margins, frame["currency"], frame["sold"])
    ]
    frame["profit"] = [
        profit(price, cost, rules) if price is not None else None
        for price, cost in zip(frame["price"], frame["unit_cost"])
    ]
    return frame


@asset(partitions_def=artworks_partitions, group_name="artwork", kinds={"pandas"}, code_version="1")
def prices(context: AssetExecutionContext, variants: pd.DataFrame, base_costs: pd.DataFrame,
           settings: SettingsResource) -> pd.DataFrame:
    """Retail price per publishable variant and market, from Gelato's unit cost.

    price = (cost + fixed fees) / (1 − margin − fee %), rounded up once to the currency's rule
    (charm ending such as .99; whole units for currencies without minor units), so the seller
    keeps the target margin after marketplace and payment fees. Gelato has no price field on
    create: these prices go to the catalog (the storefront's source of truth)."""
    seller = settings.load()
    frame = price_variants(variants, base_costs, seller)
    sold = frame[frame["sold"]]
    context.add_output_metadata({
        "priced_variants": int(len(sold)),
        "not_sold": int((~frame["sold"]).sum()),
        "mean_margin": float((sold["profit"] / sold["price"]).astype(float).mean()) if len(sold) else 0.0,
        "prices": table(frame[["variant_title", "country", "currency", "unit_cost", "price", "profit", "sold"]]),
    })
    return frame
