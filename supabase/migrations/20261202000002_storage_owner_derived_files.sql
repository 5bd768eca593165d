-- Derived files (previews, print files) now live in the owner's folder,
-- `artwork/<user uuid>/_pipeline/<artwork id>/...`, so the artist's own token reads them (the
-- frontend shows the preview) through artwork_select_own_folder, unchanged.
--
-- The `_pipeline` folder of a user's folder is the pipeline's: users may read it but not write,
-- replace or delete anything in it (a forged or swapped print file would be what Gelato prints,
-- and the upload sensor never looks there, so an upload into it would vanish silently; refused,
-- the frontend gets a clear 403 instead). The pipeline writes with the service role (bypasses RLS).
--
-- Artworks examined before this layout keep their derived files under the bucket-level
-- `_pipeline/<artwork id>/` until they are examined again. Their owner may read the one the
-- catalog points at (artwork.preview_path of an artwork they own); nothing else there.
--
-- Same guards as 20261125000005: on plain Postgres without a `storage` schema it does nothing,
-- and where `create policy` on storage.objects is refused it warns (then set the expressions
-- below in the dashboard, Storage -> Policies -> artwork).
do $$
declare
  own_writable constant text :=
    $p$bucket_id = 'artwork' and (storage.foldername(name))[1] = (select auth.uid()::text)
       and (storage.foldername(name))[2] is distinct from '_pipeline'$p$;
begin
  if to_regclass('storage.objects') is null or to_regprocedure('storage.foldername(text)') is null then
    raise notice 'storage.objects / storage.foldername() not found: storage policies skipped (not a Supabase database)';
    return;
  end if;

  execute 'drop policy if exists artwork_insert_own_folder on storage.objects';
  execute format('create policy artwork_insert_own_folder on storage.objects for insert to authenticated '
                 'with check (%s)', own_writable);
  execute 'drop policy if exists artwork_update_own_folder on storage.objects';
  execute format('create policy artwork_update_own_folder on storage.objects for update to authenticated '
                 'using (%s) with check (%s)', own_writable, own_writable);
  execute 'drop policy if exists artwork_delete_own_folder on storage.objects';
  execute format('create policy artwork_delete_own_folder on storage.objects for delete to authenticated '
                 'using (%s)', own_writable);

  if to_regclass('public.artwork') is not null and not exists (
      select 1 from pg_policies where schemaname = 'storage' and tablename = 'objects'
      and policyname = 'artwork_select_own_legacy_preview') then
    create policy artwork_select_own_legacy_preview on storage.objects for select to authenticated
      using (bucket_id = 'artwork' and (storage.foldername(name))[1] = '_pipeline'
             and exists (select 1 from public.artwork a
                         where a.user_id = (select auth.uid()) and a.preview_path = storage.objects.name));
  end if;
exception when insufficient_privilege then
  raise warning 'not allowed to change policies on storage.objects (%). Set them in the dashboard (Storage -> '
                'Policies), see supabase/migrations/20261202000002_storage_owner_derived_files.sql', sqlerrm;
end
$$;
