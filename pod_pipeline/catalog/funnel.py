"""The upload funnel as the catalog records it: how far each artwork uploaded in a window got,
counted per upload day. One query, written once here for both catalogs.

What each stage means, from the catalog's own rows (each stage also requires all the earlier
ones, so the counts can only shrink down the funnel):

* `uploads`: an `artwork` row, counted on the UTC day it was created (the first run on the
  upload; a re-upload of the same path keeps its day).
* `printable`: the artwork is not `rejected` now (a rejected re-upload drops out even if its
  old products are still in the store) and at least one template took it: it has price rows
  (`prices` stores them only for publishable templates) or a product that is not `skipped`.
* `copy_written`: a product row with a title and a description (`published_products` writes
  the listing copy onto every product row; copy that broke the rules never gets there).
* `priced`: at least one `variant_price` row.
* `published`: at least one product created in Gelato (`gelato_product_id` recorded; later
  deletions in Gelato still count: it was published).
* `live`: at least one product `active` now, which the catalog records only when Gelato says
  active, gives the marketplace listing id and every variant is connected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Sequence

FUNNEL_STAGES = ("uploads", "printable", "copy_written", "priced", "published", "live")

# `stage` is the deepest stage an artwork got to with every earlier one (1 = uploads only,
# 6 = live). The product evidence is aggregated once per artwork of the window (product's unique
# (artwork_id, template_id) index); price evidence is one probe of variant_price(artwork_id).
FUNNEL_SELECT = """
with recent as (
  select a.id, {day} as day, a.status <> 'rejected' as kept
    from {artworks}
   where {created_at} >= {since}
), products as (
  select p.artwork_id,
         max(case when p.status <> 'skipped' then 1 else 0 end) as made,
         max(case when coalesce(p.title, '') <> '' and coalesce(p.description, '') <> '' then 1 else 0 end) as copy,
         max(case when p.gelato_product_id is not null then 1 else 0 end) as created,
         max(case when p.status = 'active' then 1 else 0 end) as live
    from recent r
   cross join {schema}product p  -- SQLite keeps this order: the window's artworks drive, not every product
   where p.artwork_id = r.id
   group by p.artwork_id
), reached as (
  -- counted per (day, stage) here, so the stage (and its price probe) is worked out once per
  -- artwork: an expression of an inlined CTE is copied into every place that mentions it
  select r.day,
         case when not r.kept then 1
              when exists (select 1 from {schema}variant_price vp where vp.artwork_id = r.id) then
                case when coalesce(p.copy, 0) = 0 then 2
                     when coalesce(p.created, 0) = 0 then 4
                     when coalesce(p.live, 0) = 0 then 5
                     else 6 end
              when coalesce(p.made, 0) = 0 then 1
              when coalesce(p.copy, 0) = 0 then 2
              else 3 end as stage,
         count(*) as artworks
    from recent r
    left join products p on p.artwork_id = r.id
   group by 1, 2
), daily as (
  select day, sum(artworks) as uploads,
         sum(case when stage >= 2 then artworks else 0 end) as printable,
         sum(case when stage >= 3 then artworks else 0 end) as copy_written,
         sum(case when stage >= 4 then artworks else 0 end) as priced,
         sum(case when stage >= 5 then artworks else 0 end) as published,
         sum(case when stage >= 6 then artworks else 0 end) as live
    from reached
   group by day
)
select day, uploads, printable, copy_written, priced, published, live,
       {totals}
  from daily
 order by day
"""
_TOTALS = ",\n       ".join(f"sum({s}) over (order by day) as {s}_total" for s in FUNNEL_STAGES)


def funnel_sql(*, schema: str, artworks: str, created_at: str, day: str, since: str) -> str:
    """`artworks`: the FROM item giving artwork `a` and its creation time `created_at`."""
    return FUNNEL_SELECT.format(schema=schema, artworks=artworks, created_at=created_at, day=day, since=since,
                                totals=_TOTALS)


def check_bucket(bucket: str) -> None:
    if bucket != "day":
        raise ValueError(f"funnel bucket {bucket!r} is not supported: only 'day'")


def utc(moment: datetime) -> datetime:
    """A naive time is taken as UTC, the catalog's clock."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class FunnelDay:
    """Artworks uploaded on `day` (UTC) by the deepest stage they reached, and the same counts
    summed from the window's first day through this one."""

    day: date
    counts: dict[str, int]
    totals: dict[str, int]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> FunnelDay:
        day, values = row[0], [int(v) for v in row[1:]]
        n = len(FUNNEL_STAGES)
        return cls(day=day if isinstance(day, date) else date.fromisoformat(day),
                   counts=dict(zip(FUNNEL_STAGES, values[:n])), totals=dict(zip(FUNNEL_STAGES, values[n:])))
