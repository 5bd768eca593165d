"""The `prices` asset: a retail price for every publishable variant in every market, stored in
the catalog (`variant_price`), for one artwork (publishing) or thousands (scheduled re-pricing)."""

from pathlib import Path

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetObservation,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pod_pipeline.catalog.prices import PRICE_KEY, PRICE_STORED
from pod_pipeline.gelato.models import Template
from pod_pipeline.defs.runs import DRY_RUN_TAG, MAX_BATCH_SIZE, REPRICE_RUN_SIZE, artworks_partitions
from pod_pipeline.defs.dagster_private import add_partitions_metadata
from pod_pipeline.defs.publishing.batch import STOPPED, UPSTREAM_REASON, by_artwork
from pod_pipeline.defs.publishing.price_checks import PRICE_CHECK_SPECS, price_check_results
from pod_pipeline.pricing.drift import drift_rows, drift_summary, reasons_table, write_drift_csv
from pod_pipeline.pricing.fx import FxError, load_rates
from pod_pipeline.pricing.repricing import Repricing, reprice
from pod_pipeline.pricing.rules import rule_table
from pod_pipeline.defs.resources import CatalogResource, SettingsResource
from pod_pipeline.defs.ui_metadata import table

WANTED = ["artwork_id", "template_id", "template_variant_id"]


def publishable_variants(variants_by_artwork: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """artwork × template variant pairs Gelato will create (the variants of publishable templates)."""
    frames = [frame.loc[frame["template_publishable"], ["template_id", "template_variant_id"]].assign(artwork_id=key)
              for key, frame in variants_by_artwork.items()]
    if not frames:
        return pd.DataFrame(columns=WANTED, dtype=object)
    return pd.concat(frames, ignore_index=True)[WANTED].drop_duplicates()


def price_table(rows: pd.DataFrame, titles: dict[str, str], limit: int = 200) -> MetadataValue:
    """One artwork's prices as a seller reads them: product and variant by name, the market,
    the retail price (and what it was, when it moved), Gelato's cost in that currency, the
    marketplace fees, the profit and the margin kept."""
    moved = rows["changed"].astype(bool) & (rows["old_price"] != "")
    shown = pd.DataFrame({
        "product": rows["template_id"].map(titles).fillna(rows["template_id"]),
        "variant": rows["variant_title"],
        "market": rows["country"],
        "price": rows["price"].astype(str) + " " + rows["currency"],
        "was": rows["old_price"].where(moved, "").astype(str),
        "cost": rows["cost_in_currency"].astype(str),
        "fees": [f"{float(p) * 100:g}% + {f}" for p, f in zip(rows["fee_percent"], rows["fee_fixed"])],
        "profit": rows["profit"].astype(str),
        "margin %": [round(float(m) * 100, 1) for m in rows["margin_kept"]],
    })
    return table(shown, limit=limit)


def per_artwork_figures(result: Repricing, keys: list[str], priced: set[str], titles: dict[str, str]) -> dict[str, dict]:
    """Each artwork's own figures for its partition in a range run (the run's totals go in the
    range's observation): its rows, changes and mean margin, or why it has no prices."""
    rows = result.rows
    frame = pd.DataFrame({"artwork_id": rows["artwork_id"], "changed": rows["changed"].astype(bool),
                          "margin": rows["margin_kept"].astype(float)})
    own = frame.groupby("artwork_id").agg(rows_priced=("changed", "size"), rows_changed=("changed", "sum"),
                                          mean_margin=("margin", "mean")).to_dict("index")
    # Each artwork's price table in a publishing batch; in a catalog-wide re-pricing only the rows
    # that moved (thousands of full tables would swell the event log for little).
    full = len(keys) <= MAX_BATCH_SIZE
    shown = rows if full else rows[rows["changed"].astype(bool)]
    tables = {key: price_table(group, titles, limit=200 if full else 20) for key, group in shown.groupby("artwork_id")}
    figures = {}
    for key in keys:
        if key in own:
            figures[key] = {"rows_priced": int(own[key]["rows_priced"]), "rows_changed": int(own[key]["rows_changed"]),
                            "mean_margin": round(float(own[key]["mean_margin"]), 4)}
            if key in tables:
                figures[key]["prices" if full else "moved"] = tables[key]
        elif key in priced:
            figures[key] = {"rows_priced": 0, "reason": "no variant is sold in the seller's markets"}
        else:
            figures[key] = {"outcome": STOPPED, "reason": UPSTREAM_REASON}
    return figures


def price_figures(result: Repricing, rows_written: int, dry_run: bool, fx_line: str, policy: str) -> dict:
    """Numbers and one-liners for the run: the one artwork's materialization, or a range's observation."""
    rows = result.rows
    return {
        **drift_summary(result),
        "rows_written": rows_written,
        "dry_run": dry_run,
        "policy": policy,
        "fx": fx_line,
        "mean_margin": round(float(rows["margin_kept"].astype(float).mean()), 4) if len(rows) else 0.0,
    }


def price_report(result: Repricing, drift: pd.DataFrame, drift_csv: Path | None, titles: dict[str, str]) -> dict:
    """Tables: once per run (on the one artwork's materialization, or as one observation of a range)."""
    report = {"reasons": table(reasons_table(result)), "drift": table(drift, limit=25)}
    if drift_csv is not None:
        report["drift_csv"] = MetadataValue.path(str(drift_csv))
    rows = result.rows
    if rows["artwork_id"].nunique() == 1:  # one artwork: its whole price list fits the UI
        report["prices"] = price_table(rows, titles)
    if len(result.not_sold):
        report["not_sold"] = table(result.not_sold.drop_duplicates(["template_variant_id", "country"]), limit=50)
    return report


@asset(
    partitions_def=artworks_partitions,
    ins={"variants": AssetIn(metadata={"allow_missing_partitions": True})},
    backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=REPRICE_RUN_SIZE),
    group_name="artwork",
    kinds={"pandas"},
    code_version="2",
    output_required=False,  # a dry run observes instead of materializing
    check_specs=PRICE_CHECK_SPECS,
)
def prices(context: AssetExecutionContext, variants, templates: dict[str, Template], base_costs: pd.DataFrame,
           settings: SettingsResource, catalog: CatalogResource):
    """Retail price of every publishable variant in every market, kept in the catalog
    (`variant_price`, mirrored onto `variant` for the main market): Gelato has no price field.

    The price is the least one on the currency's grid (charm ending, whole units) that keeps the
    target margin and the minimum profit after Gelato's cost and the marketplace's fees; costs
    Gelato quotes in another currency are converted at the dated FX rates. When costs move, the
    re-pricing policy (keep margin, keep profit, never lower) decides, and the drift report says
    which prices change and why (in a range run: one observation of `prices` with the tables,
    small figures on each partition). Unchanged rows are never rewritten. A run tagged
    `pod/dry_run=true` reports the drift as that observation and writes nothing."""
    seller, db = settings.load(), catalog.open()
    dry_run = context.run.tags.get(DRY_RUN_TAG, "false").lower() == "true"
    try:
        fx = load_rates(seller.pricing.fx)
        rules = rule_table(templates, base_costs, seller, fx)
    except FxError as error:
        raise Failure(f"cannot price: {error}", allow_retries=False) from error
    frames = by_artwork(context, variants)
    wanted = publishable_variants(frames)
    current = db.current_prices(list(frames))
    result = reprice(wanted, rules, current, seller.pricing.repricing.policy)

    drift = drift_rows(result)
    drift_csv = None
    if len(drift):
        folder = Path(context.instance.storage_directory()) / "pod_reprice"
        drift_csv = write_drift_csv(drift, folder, f"{context.run.run_id}{'-dry' if dry_run else ''}")
    written = 0 if dry_run else db.write_prices(result.changes, result.removals,
                                                   {s.name: seller.markets_of(s)[0].country for s in seller.all_stores()})
    fx_line = f"{fx.source}, {fx.as_of.isoformat() if fx.as_of else 'undated'} (base {fx.base})"
    figures = price_figures(result, written, dry_run, fx_line, seller.pricing.repricing.policy)
    titles = {template_id: template.title for template_id, template in templates.items()}
    report = price_report(result, drift, drift_csv, titles)
    context.log.info(f"{len(frames)} artworks: {len(result.changes)} of {len(result.rows)} price rows change, "
                     f"{written} rows written{' (dry run)' if dry_run else ''}")
    one_artwork = len(context.partition_keys) == 1
    if dry_run or not one_artwork:
        # A range run copies materialization metadata onto every partition's event: the tables
        # go once, in an observation of the whole range (a dry run's only output).
        first, last = context.partition_keys[0], context.partition_keys[-1]
        context.log_event(AssetObservation(asset_key=context.asset_key, metadata={
            **figures, **report, "artworks": len(context.partition_keys), "range": f"{first} .. {last}"}))
    if dry_run:
        # No materialization (the catalog still holds the old prices); the checks judge the
        # proposed prices, so the report also says whether they would be allowed out.
        yield from price_check_results(frames, result.rows[PRICE_KEY + PRICE_STORED], base_costs, templates, seller)
        return
    if one_artwork:
        yield MaterializeResult(metadata={**figures, **report})
    else:
        add_partitions_metadata(context, per_artwork_figures(result, list(context.partition_keys), set(frames), titles))
        yield MaterializeResult()
    # Checked on what the catalog now holds, read back, not on what was meant to be written.
    yield from price_check_results(frames, db.current_prices(list(frames)), base_costs, templates, seller)
