"""Turning pipeline values into Dagster UI metadata (tables, thumbnails)."""

from __future__ import annotations

import base64
import io
import math
from decimal import Decimal

import pandas as pd
from PIL import Image
from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

_TYPES = {"i": "int", "u": "int", "f": "float", "b": "bool"}


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value if isinstance(value, (int, float, bool, str)) else str(value)


def table(frame: pd.DataFrame, limit: int = 200) -> MetadataValue:
    """A UI table; long frames are cut at `limit` rows (the full frame is the asset value)."""
    shown = frame.head(limit)
    schema = TableSchema(columns=[
        TableColumn(name=str(c), type=_TYPES.get(shown[c].dtype.kind, "string")) for c in shown.columns
    ])
    records = [
        TableRecord({str(k): _plain(v) for k, v in row.items()})
        for row in shown.to_dict(orient="records")
    ]
    return MetadataValue.table(records=records, schema=schema)


def thumbnail(jpeg: bytes, caption: str, max_px: int = 256) -> MetadataValue:
    """Markdown with a small copy of the image inline, so the UI shows it without reaching the
    bucket and the event log stays small."""
    with Image.open(io.BytesIO(jpeg)) as image:
        image.thumbnail((max_px, max_px))
        small = io.BytesIO()
        image.convert("RGB").save(small, format="JPEG", quality=80)
    data = base64.b64encode(small.getvalue()).decode("ascii")
    return MetadataValue.md(f"![{caption}](data:image/jpeg;base64,{data})")


def product_links(rows: list[dict]) -> str:
    """One line per product; Gelato's preview URLs are presigned and expire in about a day."""
    lines = []
    several = len({row.get("store") for row in rows}) > 1
    for row in rows:
        name = f"{row['template']} in {row['store']}" if several else row["template"]
        if not row["gelato_product_id"]:
            lines.append(f"- **{name}**: {row['status']} — {row['reason'] or ''}")
            continue
        preview = f" — [Gelato preview]({row['preview_url']})" if row.get("preview_url") else ""
        listing = f", store listing `{row['external_id']}`" if row.get("external_id") else ""
        lines.append(f"- **{name}**: {row['status']}, Gelato product `{row['gelato_product_id']}`"
                     f"{listing}{preview}")
    return "\n".join(lines)
