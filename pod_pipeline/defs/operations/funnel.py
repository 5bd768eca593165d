"""The `funnel` asset: how far recent uploads got, from upload to live, read from the catalog,
and the check that nothing is left waiting."""

import base64
from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    Config,
    MetadataValue,
    asset,
    asset_check,
)
from pydantic import Field

from pod_pipeline.defs.automation import HOURLY_FRESHNESS, hourly, with_its_asset
from pod_pipeline.catalog.funnel import FUNNEL_STAGES, FunnelDay
from pod_pipeline.catalog.rows import now
from pod_pipeline.catalog.funnel_chart import render_funnel_chart
from pod_pipeline.defs.resources import CatalogResource
from pod_pipeline.defs.ui_metadata import table

# An artwork on its way: a run is working on it, or the status sensor is following its products.
UNSETTLED_STATUSES = ("processing", "publishing")
STUCK_LISTED = 500  # read at most; the UI table shows the 50 waiting longest
STUCK_COLUMNS = ["artwork", "status", "unchanged_minutes", "last_change", "path", "reason"]


class FunnelConfig(Config):
    days: int = Field(default=30, ge=1, le=366,
                      description="Window: artworks uploaded in the last N days (UTC), today included.")


class StuckArtworksConfig(Config):
    stuck_after_minutes: int = Field(
        default=60, ge=1,
        description="An artwork processing or publishing with no change for this long is stuck. A run takes "
                    "minutes; a product still publishing after publishing.stalled_after_seconds (30 min by "
                    "default) already turns its artwork failed.")


def window_days(today: date, days: int) -> tuple[date, date]:
    return today - timedelta(days=days - 1), today


def daily_frame(rows: list[FunnelDay], first: date, last: date) -> pd.DataFrame:
    """One row per day of the window, days without uploads included (zeros; running totals carried)."""
    by_day = {row.day: row for row in rows}
    zeros = dict.fromkeys(FUNNEL_STAGES, 0)
    totals, records = zeros, []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        row = by_day.get(day)
        totals = row.totals if row else totals
        records.append({"day": day.isoformat(), **(row.counts if row else zeros),
                        **{f"{stage}_total": totals[stage] for stage in FUNNEL_STAGES}})
    return pd.DataFrame(records)


def readable_days(frame: pd.DataFrame) -> pd.DataFrame:
    """The daily table as a person reads it: newest first, days without an upload left out (the
    chart and the asset value keep the whole window), today always kept for its running totals."""
    active = frame[list(FUNNEL_STAGES)].sum(axis=1) > 0
    active.iloc[-1] = True
    return frame[active].iloc[::-1]


def conversions(counts: dict[str, int]) -> dict[str, float]:
    """Each stage over the one before it, and live over uploads; 0.0 when there was nothing to convert."""
    rates = {f"conversion_{stage}": counts[stage] / counts[before] if counts[before] else 0.0
             for before, stage in zip(FUNNEL_STAGES, FUNNEL_STAGES[1:])}
    rates["overall_conversion"] = counts["live"] / counts["uploads"] if counts["uploads"] else 0.0
    return rates


def chart_markdown(png: bytes) -> MetadataValue:
    return MetadataValue.md(f"![upload funnel](data:image/png;base64,{base64.b64encode(png).decode('ascii')})")


@asset(group_name="operations", kinds={"pandas"}, automation_condition=hourly(), freshness_policy=HOURLY_FRESHNESS)
def funnel(context: AssetExecutionContext, config: FunnelConfig, catalog: CatalogResource) -> pd.DataFrame:
    """How far recent uploads got: uploads → printable → copy written → priced → published →
    live, per upload day (UTC), over the last 30 days (config `days`), read from the catalog.

    Each stage counts artworks that reached it and every stage before it:
    **printable** — not rejected, and a template took it (it has prices, or a product that was
    not skipped); **copy written** — a product carries its title and description; **priced** —
    it has retail prices; **published** — a product was created in Gelato; **live** — a product
    is active in the store now (Gelato active, the marketplace listing id, every variant
    connected). The metadata plots each count and conversion over time; the chart shows the
    funnel and uploads vs live per day. Refreshed hourly by declarative automation (`time_driven_assets`)."""
    first, last = window_days(now().date(), config.days)
    rows = catalog.open().funnel_counts(datetime.combine(first, time(0), tzinfo=timezone.utc))
    frame = daily_frame(rows, first, last)
    counts = {stage: int(frame[stage].sum()) for stage in FUNNEL_STAGES}
    png = render_funnel_chart(
        [(stage, counts[stage]) for stage in FUNNEL_STAGES],
        [(date.fromisoformat(r.day), r.uploads, r.live) for r in frame.itertuples()],
        title=f"Upload funnel, last {config.days} days (UTC): {first.isoformat()} to {last.isoformat()}")
    context.add_output_metadata({
        **counts,
        **conversions(counts),
        "window_days": config.days,
        "first_day": first.isoformat(),
        "chart": chart_markdown(png),
        "daily": table(readable_days(frame), limit=366),
    })
    return frame


@asset_check(asset=funnel, automation_condition=with_its_asset())
def funnel_has_no_stuck_artworks(config: StuckArtworksConfig, catalog: CatalogResource) -> AssetCheckResult:
    """No artwork sits in `processing` or `publishing` without any change for longer than an hour
    (configurable): that means a run died without its failure hook, or the status sensor is not
    running. Warns, listing the artworks (oldest first); re-run their partitions or check the
    sensor."""
    at = now()
    stuck = catalog.open().stuck_artworks(UNSETTLED_STATUSES, at - timedelta(minutes=config.stuck_after_minutes),
                                          limit=STUCK_LISTED)
    frame = pd.DataFrame([{"artwork": a.id, "status": a.status,
                           "unchanged_minutes": int((at - a.updated_at).total_seconds() // 60),
                           "last_change": a.updated_at.isoformat(), "path": a.path, "reason": a.reason or ""}
                          for a in stuck], columns=STUCK_COLUMNS)
    summary = "none"
    if stuck:
        names = ", ".join(frame["artwork"].head(5)) + (", …" if len(stuck) > 5 else "")
        summary = (f"{len(stuck)}{'+' if len(stuck) == STUCK_LISTED else ''} artworks unchanged in "
                   f"processing/publishing for over {config.stuck_after_minutes} min: {names}")
    return AssetCheckResult(
        passed=not stuck,
        severity=AssetCheckSeverity.WARN,
        description=summary,
        metadata={"stuck": len(stuck), "stuck_after_minutes": config.stuck_after_minutes,
                  "artworks": table(frame, limit=50)},
    )
