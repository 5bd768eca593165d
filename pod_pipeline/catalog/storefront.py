"""`storefront_price`: each variant's price as pushed to its marketplace, and which variants are
due a push. One mixin for both catalogs (SQLite and Postgres differ only in placeholders, uuid
casts and how rows come back): it uses the catalog's `_query` and `_execute_many` hooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from pod_pipeline.catalog.rows import DuePrice, StorefrontPriceRow

STOREFRONT_COLUMNS = list(StorefrontPriceRow.model_fields)
DUE_COLUMNS = list(DuePrice.model_fields)

# Due: a live product's variant with a price and a marketplace id whose pushed price, currency
# or product differ from the catalog's, once its back-off has passed. The id to push to is the
# one the last push left (Etsy renumbers), unless Gelato has since replaced the product.
_DUE = """
select v.product_id{uuid}, v.template_variant_id, p.artwork_id, p.user_id{uuid}, p.store, p.external_id,
       case when s.product_external_id = p.external_id and s.external_id is not null
            then s.external_id else v.external_id end,
       v.price, v.currency, coalesce(s.attempts, 0),
       s.product_external_id, s.external_id, s.price, s.currency
  from {schema}variant v
  join {schema}product p on p.id = v.product_id
  left join {schema}storefront_price s
         on s.product_id = v.product_id and s.template_variant_id = v.template_variant_id
 where p.status = 'active' and p.external_id is not null and p.external_id <> ''
   and v.external_id is not null and v.external_id <> '' and v.price is not null and v.currency is not null
   and (s.product_id is null or s.price {differs} v.price or s.currency {differs} v.currency
        or s.product_external_id {differs} p.external_id)
   and (s.next_attempt_at is null or s.next_attempt_at <= {p}){stores}
 order by p.external_id, v.template_variant_id
 limit {p}
"""


class StorefrontPriceRows:
    """Needs `_query(sql, params) -> list[tuple]`, `_execute_many(sql, rows)`, and the dialect:
    `_placeholder`, `_schema`, `_uuid_text`, `_differs`, `_timestamp(value)`."""

    def due_storefront_prices(self, now: datetime, limit: int = 500,
                              stores: Sequence[str] | None = None) -> list[DuePrice]:
        """Due variants (of the named stores only, if given)."""
        names = list(stores) if stores is not None else []
        only = (f" and p.store in ({', '.join([self._placeholder] * len(names))})" if names
                else " and false" if stores is not None else "")
        sql = _DUE.format(uuid=self._uuid_text, schema=self._schema, differs=self._differs, p=self._placeholder,
                          stores=only)
        rows = self._query(sql, (self._timestamp(now), *names, limit))
        return [DuePrice.model_validate(dict(zip(DUE_COLUMNS, row))) for row in rows]

    def record_storefront_prices(self, rows: Sequence[StorefrontPriceRow]) -> None:
        if not rows:
            return
        columns = ", ".join(STOREFRONT_COLUMNS)
        values = ", ".join([self._placeholder] * len(STOREFRONT_COLUMNS))
        updates = ", ".join(f"{c} = excluded.{c}" for c in STOREFRONT_COLUMNS[2:])
        sql = (f"insert into {self._schema}storefront_price ({columns}) values ({values}) "
               f"on conflict (product_id, template_variant_id) do update set {updates}")
        self._execute_many(sql, [[self._value(getattr(r, c)) for c in STOREFRONT_COLUMNS] for r in rows])

    def storefront_prices_for(self, artwork_id: str) -> list[StorefrontPriceRow]:
        columns = ", ".join(f"{c}{self._uuid_text}" if c in ("product_id", "user_id") else c
                            for c in STOREFRONT_COLUMNS)
        rows = self._query(f"select {columns} from {self._schema}storefront_price where artwork_id = {self._placeholder} "
                           "order by product_id, template_variant_id", (artwork_id,))
        return [StorefrontPriceRow.model_validate(dict(zip(STOREFRONT_COLUMNS, row))) for row in rows]

    def _value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return self._timestamp(value)
        return value
