-- What each variant's price is on the marketplace itself (Shopify, Etsy), as pushed there:
-- Gelato takes no retail price, so pod_pipeline sets it through the marketplace's own API.
--
-- Decisions:
-- * Apart from `variant`, which the status sensor rewrites from Gelato on every check: a push's
--   record must survive that. Keyed like `variant` (product + template variant).
-- * `product_external_id` / `external_id`: the marketplace ids the price was set on. Etsy gives
--   inventory products new ids on every write, so the id to use next is kept here; a product
--   Gelato replaced (another external id) is pushed again.
-- * A variant is due when its catalog price or currency differs from `price`/`currency` here,
--   or its product was replaced, and `next_attempt_at` has passed: failures back off, and the
--   reason stays in `error` for the seller and `pod-pipeline reconcile`.
-- * Owned through the artwork, like variant_price; the seller reads their own rows.
create table public.storefront_price (
  product_id          uuid not null,
  template_variant_id text not null,
  artwork_id          text not null,
  user_id             uuid not null,
  store               text not null check (store ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
  marketplace         text not null,
  product_external_id text,
  external_id         text,
  price               numeric(12, 2) check (price > 0),
  currency            text check (currency ~ '^[A-Z]{3}$'),
  error               text,
  attempts            integer not null default 0 check (attempts >= 0),
  next_attempt_at     timestamptz,
  pushed_at           timestamptz,
  updated_at          timestamptz not null default now(),
  primary key (product_id, template_variant_id),
  foreign key (artwork_id, user_id) references public.artwork (id, user_id) on update restrict on delete cascade
);
create index storefront_price_artwork_id_idx on public.storefront_price (artwork_id);
create index storefront_price_user_id_idx on public.storefront_price (user_id);

create trigger storefront_price_touch_updated_at before insert or update on public.storefront_price
  for each row execute function public.catalog_touch_updated_at();

alter table public.storefront_price enable row level security;
create policy storefront_price_select_own on public.storefront_price
  for select to authenticated using ((select auth.uid()) = user_id);
revoke all on table public.storefront_price from public, anon, authenticated;
grant select on table public.storefront_price to authenticated;
grant all on table public.storefront_price to service_role;
