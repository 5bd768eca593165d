-- An artwork's owner never changes, and the store's truth survives a failed new version.
--
-- * Ownership. Until now the composite keys artwork(id, user_id) <- product <- variant (and
--   variant_price) cascaded ON UPDATE: one upsert that gave an artwork another user_id handed
--   every product, variant and price to that user. The keys now refuse such an update
--   (ON UPDATE RESTRICT; deletes still cascade), and triggers refuse a change of an artwork's
--   id, owner or path, and of a product's owner or artwork, whoever writes (the pipeline's own
--   code refuses it first: catalog/artwork_state.py). Existing rows are untouched: their ids,
--   owners and products stay as they are (artworks recorded with the older 32-bit ids keep
--   them; the upload sensor finds them by path).
-- * new_version_status / new_version_reason: what became of a newer upload while the products
--   of an earlier one are still in the store (status keeps saying what the store holds).

alter table public.product drop constraint product_artwork_id_user_id_fkey,
  add constraint product_artwork_id_user_id_fkey foreign key (artwork_id, user_id)
    references public.artwork (id, user_id) on update restrict on delete cascade;
alter table public.variant drop constraint variant_product_id_user_id_fkey,
  add constraint variant_product_id_user_id_fkey foreign key (product_id, user_id)
    references public.product (id, user_id) on update restrict on delete cascade;
alter table public.variant_price drop constraint variant_price_artwork_id_user_id_fkey,
  add constraint variant_price_artwork_id_user_id_fkey foreign key (artwork_id, user_id)
    references public.artwork (id, user_id) on update restrict on delete cascade;

create function public.artwork_identity_fixed() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  if new.id is distinct from old.id or new.user_id is distinct from old.user_id
     or new.path is distinct from old.path then
    raise exception 'artwork %: its id, owner and path never change', old.id
      using errcode = 'integrity_constraint_violation';
  end if;
  return new;
end
$$;

create function public.product_owner_fixed() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  if new.user_id is distinct from old.user_id or new.artwork_id is distinct from old.artwork_id then
    raise exception 'product %: its owner and artwork never change', old.id
      using errcode = 'integrity_constraint_violation';
  end if;
  return new;
end
$$;

create trigger artwork_identity_fixed before update of id, user_id, path on public.artwork
  for each row execute function public.artwork_identity_fixed();
create trigger product_owner_fixed before update of user_id, artwork_id on public.product
  for each row execute function public.product_owner_fixed();

revoke all on function public.artwork_identity_fixed(), public.product_owner_fixed() from public, anon, authenticated;

alter table public.artwork
  add column new_version_status text check (new_version_status in ('processing', 'rejected', 'failed')),
  add column new_version_reason text;
