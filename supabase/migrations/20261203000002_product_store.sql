-- A seller runs several stores (Etsy, Shopify, ...): one artwork gives one product per store x
-- template, and every product names its store so the frontend can filter by it.
--
-- Decisions:
-- * `store` is the name the seller gives the store in the settings (`stores[].name`), not the
--   Gelato store id: it reads in the UI, and it is part of the product's uuid5 id. Products made
--   before stores existed belong to the store `main` (the settings' one `store_id`), whose ids are
--   unchanged: no row is rewritten.
-- * Unique (artwork_id, template_id, store) replaces (artwork_id, template_id); it still serves
--   lookups by artwork_id (its first column), so no other index changes.
-- * RLS is unchanged: the policies select by user_id, whatever the store.
alter table public.product
  add column store text not null default 'main' check (store ~ '^[a-z0-9][a-z0-9-]{0,31}$');
alter table public.product drop constraint product_artwork_id_template_id_key;
alter table public.product
  add constraint product_artwork_id_template_id_store_key unique (artwork_id, template_id, store);
create index product_store_idx on public.product (store);
