"""Price sheets: the stored prices as CSV, one file per store and currency.

Gelato has no endpoint for retail prices, so the seller (or a Shopify/Etsy bulk edit) takes
them from here; each row carries the store's product and variant ids to match on.
"""

from __future__ import annotations

from pathlib import Path

from pod_pipeline.catalog.base import Catalog


def write_price_sheets(catalog: Catalog, store_id: str, folder: Path,
                       currency: str | None = None) -> list[tuple[Path, int]]:
    sheet = catalog.price_sheet(currency)
    if sheet.empty:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code, rows in sheet.groupby("currency", sort=True):
        path = folder / f"prices-{store_id}-{code}.csv"
        rows.insert(0, "store_id", store_id)
        rows.to_csv(path, index=False)
        written.append((path, len(rows)))
    return written
