-- Row Level Security: a signed-in user reads only their own artworks/products/variants and writes
-- nothing (every column is the pipeline's); anon reads nothing; the pipeline writes as
-- service_role (BYPASSRLS) or as the table owner over a direct connection.
-- One policy per command: SELECT is the only command users get, so there is one policy per
-- user-owned table and none for INSERT/UPDATE/DELETE. `(select auth.uid())` is evaluated once
-- per statement, not per row; each user_id column is indexed.

alter table public.artwork        enable row level security;
alter table public.product        enable row level security;
alter table public.variant        enable row level security;
alter table public.publish_intent enable row level security;
alter table public.gelato_event   enable row level security;

create policy artwork_select_own on public.artwork
  for select to authenticated using ((select auth.uid()) = user_id);
create policy product_select_own on public.product
  for select to authenticated using ((select auth.uid()) = user_id);
create policy variant_select_own on public.variant
  for select to authenticated using ((select auth.uid()) = user_id);

-- Supabase's default privileges grant ALL on new public tables to anon and authenticated:
-- take them back, so a missing policy is not the only thing between a user and a write.
revoke all on table public.artwork, public.product, public.variant, public.publish_intent, public.gelato_event
  from public, anon, authenticated;
grant select on table public.artwork, public.product, public.variant to authenticated;
grant all on table public.artwork, public.product, public.variant, public.publish_intent, public.gelato_event
  to service_role;

-- The trigger functions are not for calling (PostgREST would list them as RPCs otherwise).
revoke all on function public.catalog_touch_updated_at(), public.variant_fill_user_id()
  from public, anon, authenticated;
grant execute on function public.catalog_touch_updated_at(), public.variant_fill_user_id() to service_role;
