"""`variant_price` on Postgres: set-based reads and writes for PostgresCatalog (a mixin: it uses
the catalog's connection helpers `_fetch` and `_run`)."""

from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

from pod_pipeline.catalog.ids import require_uuid
from pod_pipeline.catalog.prices import (
    PRICE_KEY,
    PRICE_STORED,
    PRICE_WRITE,
    SHEET_ORDER,
    SHEET_SELECT,
    mirror_rows,
    write_rows,
)

# Price rows arrive as one array per column; the owner comes from the artwork (a missing artwork
# leaves user_id null and fails loudly on the not-null constraint).
_UPSERT_PRICES = """
insert into public.variant_price (product_id, template_variant_id, country, artwork_id, template_id, currency, cost,
                                  cost_currency, fx_rate, fx_date, price, profit, margin, rule_id, reason, user_id)
select x.*, a.user_id
  from unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::numeric[], %s::text[],
              %s::numeric[], %s::date[], %s::numeric[], %s::numeric[], %s::numeric[], %s::text[], %s::text[])
       as x(product_id, template_variant_id, country, artwork_id, template_id, currency, cost, cost_currency,
            fx_rate, fx_date, price, profit, margin, rule_id, reason)
  left join public.artwork a on a.id = x.artwork_id
on conflict (product_id, template_variant_id, country) do update
   set (artwork_id, template_id, currency, cost, cost_currency, fx_rate, fx_date, price, profit, margin, rule_id,
        reason, priced_at)
     = (excluded.artwork_id, excluded.template_id, excluded.currency, excluded.cost, excluded.cost_currency,
        excluded.fx_rate, excluded.fx_date, excluded.price, excluded.profit, excluded.margin, excluded.rule_id,
        excluded.reason, now())
 where ({old}) is distinct from ({new})
"""

class PostgresPriceRows:
    def current_prices(self, artwork_ids: Sequence[str]) -> pd.DataFrame:
        columns = PRICE_KEY + PRICE_STORED
        select = ", ".join({"fx_date": "coalesce(fx_date::text, '')"}.get(c, f"{c}::text") for c in columns)
        rows = self._fetch(f"select {select} from public.variant_price where artwork_id = any(%s)",
                           (list(dict.fromkeys(artwork_ids)),), many=True)
        return pd.DataFrame(rows, columns=columns, dtype=object)

    def write_prices(self, changes: pd.DataFrame, removals: pd.DataFrame,
                     main_country: str | Mapping[str, str]) -> int:
        """Set-based, one transaction: each statement takes whole columns as arrays (unnest), so
        ten thousand rows cost the same few round trips as ten. The `is distinct from` guards keep
        a concurrent writer's identical row from being rewritten."""
        if changes.empty and removals.empty:
            return 0
        rows = write_rows(changes)
        for product_id in rows["product_id"].drop_duplicates():
            require_uuid(product_id, "product id")
        columns = [rows[c].tolist() for c in PRICE_WRITE]
        mirror = mirror_rows(changes, main_country)
        compared = [c for c in PRICE_WRITE[5:] if c != "reason"]
        upsert = _UPSERT_PRICES.format(old=", ".join(f"variant_price.{c}" for c in compared),
                                       new=", ".join(f"excluded.{c}" for c in compared))

        def work(cur):
            written = 0
            cur.execute("begin")
            try:
                if len(rows):
                    cur.execute(upsert, columns)
                    written += cur.rowcount
                if len(removals):
                    cur.execute("delete from public.variant_price vp using unnest(%s::text[], %s::text[], %s::text[], "
                                "%s::text[]) as gone(artwork_id, template_id, template_variant_id, country) "
                                "where (vp.artwork_id, vp.template_id, vp.template_variant_id, vp.country) = "
                                "(gone.artwork_id, gone.template_id, gone.template_variant_id, gone.country)",
                                [removals[c].tolist() for c in PRICE_KEY])
                    written += cur.rowcount
                if len(mirror):
                    cur.execute("update public.variant v set price = m.price, cost = m.cost, currency = m.currency "
                                "from unnest(%s::uuid[], %s::text[], %s::numeric[], %s::numeric[], %s::text[]) "
                                "as m(product_id, template_variant_id, price, cost, currency) "
                                "where v.product_id = m.product_id and v.template_variant_id = m.template_variant_id "
                                "and (v.price, v.cost, v.currency) is distinct from (m.price, m.cost, m.currency)",
                                [mirror[c].tolist() for c in mirror.columns])
                    written += cur.rowcount
                cur.execute("commit")
            except BaseException:
                cur.execute("rollback")
                raise
            return written
        return self._run(work)

    def price_sheet(self, currency: str | None = None) -> pd.DataFrame:
        sql = SHEET_SELECT.format(schema="public.", price="vp.price::text", cost="vp.cost::text",
                                  fx_rate="vp.fx_rate::text", fx_date="vp.fx_date::text", profit="vp.profit::text",
                                  margin="vp.margin::text", priced_at="vp.priced_at")
        params: tuple = ()
        if currency:
            sql, params = sql + " where vp.currency = %s", (currency,)

        def work(cur):
            cur.execute(sql + SHEET_ORDER, params)
            return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description], dtype=object)
        return self._run(work, retry=True)
