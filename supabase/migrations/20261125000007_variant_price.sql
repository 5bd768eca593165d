-- Retail prices per variant and market: the storefront's source of truth for what each variant
-- sells for (Gelato has no API to set retail prices). `variant.price/cost/currency` mirror the
-- store's main market for the frontend's convenience; this table holds every market.
--
-- Decisions:
-- * Keyed by product_id (uuid5(artwork, template), as in `product`) + variant + country, but
--   owned through the ARTWORK: prices are computed before Gelato's product exists, so there is
--   no foreign key to product/variant. Removing an artwork removes its prices.
-- * The inputs of each price are stored beside it (Gelato cost and its currency, the FX rate and
--   its date, the rule fingerprint), so a re-pricing can tell what moved, and skip rows where
--   nothing did: an unchanged row is never rewritten (no Realtime event, no updated_at bump).
-- * cost numeric(12,4): Gelato quotes may have more than 2 decimals; price and profit are cents.
create table public.variant_price (
  product_id          uuid not null,
  template_variant_id text not null,
  country             text not null check (country ~ '^[A-Z]{2}$'),
  artwork_id          text not null,
  template_id         text not null check (template_id <> ''),
  user_id             uuid not null,
  currency            text not null check (currency ~ '^[A-Z]{3}$'),
  cost                numeric(12, 4) not null check (cost >= 0),
  cost_currency       text not null check (cost_currency ~ '^[A-Z]{3}$'),
  fx_rate             numeric(18, 8) not null check (fx_rate > 0),
  fx_date             date,
  price               numeric(12, 2) not null check (price > 0),
  profit              numeric(12, 2) not null,
  margin              numeric(7, 4) not null,
  rule_id             text not null,
  reason              text,
  priced_at           timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  primary key (product_id, template_variant_id, country),
  foreign key (artwork_id, user_id) references public.artwork (id, user_id) on update cascade on delete cascade
);
create index variant_price_artwork_id_idx on public.variant_price (artwork_id);
create index variant_price_user_id_idx on public.variant_price (user_id);

create trigger variant_price_touch_updated_at before insert or update on public.variant_price
  for each row execute function public.catalog_touch_updated_at();

alter table public.variant_price enable row level security;
create policy variant_price_select_own on public.variant_price
  for select to authenticated using ((select auth.uid()) = user_id);
revoke all on table public.variant_price from public, anon, authenticated;
grant select on table public.variant_price to authenticated;
grant all on table public.variant_price to service_role;

do $$
begin
  if not exists (select 1 from pg_publication_tables
                 where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'variant_price') then
    alter publication supabase_realtime add table public.variant_price;
  end if;
end
$$;
