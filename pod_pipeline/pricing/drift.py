"""The drift report of a re-pricing: which variants change price, old → new, and why."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pod_pipeline.pricing.repricing import Repricing

DRIFT_COLUMNS = ["artwork_id", "template_id", "variant_title", "country", "currency", "old_price", "price",
                 "price_delta", "old_cost", "cost", "cost_currency", "old_fx_rate", "fx_rate", "reason"]


def drift_rows(result: Repricing) -> pd.DataFrame:
    """Changed rows that existed before (new rows are not drift), biggest moves first."""
    changes = result.changes
    moved = changes[changes["old_price"] != ""]
    order = moved["price_delta"].abs().sort_values(ascending=False, kind="stable").index
    return moved.loc[order, DRIFT_COLUMNS]


def drift_summary(result: Repricing) -> dict[str, int]:
    rows, changes = result.rows, result.changes
    existing = changes[changes["old_price"] != ""]
    return {
        "rows_priced": int(len(rows)),
        "rows_changed": int(len(changes)),
        "rows_new": int((changes["old_price"] == "").sum()),
        "prices_up": int((existing["price_delta"] > 0).sum()),
        "prices_down": int((existing["price_delta"] < 0).sum()),
        "inputs_moved_price_kept": int((existing["price_delta"] == 0).sum()),
        "rows_removed": int(len(result.removals)),
        "not_sold_pairs": int(len(result.not_sold)),
    }


def reasons_table(result: Repricing) -> pd.DataFrame:
    """How many rows changed for each reason (cost moved, FX moved, rule changed, new)."""
    changes = result.changes
    if changes.empty:
        return pd.DataFrame(columns=["reason", "rows", "artworks"])
    grouped = changes.groupby("reason").agg(rows=("artwork_id", "size"), artworks=("artwork_id", "nunique"))
    return grouped.reset_index().sort_values("rows", ascending=False)


def write_drift_csv(drift: pd.DataFrame, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    drift.to_csv(path, index=False)
    return path
