-- Storage policies for the `artwork` bucket: each user reads and writes only their own folder,
-- `artwork/<user uuid>/...` (the first path segment of `name` is the uploader's auth.uid()).
-- Re-uploading a file (upsert) needs SELECT + INSERT + UPDATE; DELETE lets a user remove an upload.
-- Files the pipeline writes live under `_pipeline/`, which no user id matches: users never see them.
--
-- Kept in its own migration because hosted projects can refuse it: storage.objects belongs to
-- `supabase_storage_admin`, and on some projects `create policy` on it fails with
-- "must be owner of table objects". Then this migration records itself as applied with a WARNING
-- (access to the bucket stays denied, the safe default) and the same four policies must be
-- created in the dashboard (Storage -> Policies -> artwork) with the expressions below.
-- It never ALTERs storage.objects (RLS is already on there).
-- On plain Postgres without a `storage` schema (tests, CI) it does nothing.
do $$
begin
  if to_regclass('storage.objects') is null or to_regprocedure('storage.foldername(text)') is null then
    raise notice 'storage.objects / storage.foldername() not found: storage policies skipped (not a Supabase database)';
    return;
  end if;

  if not exists (select 1 from pg_policies where schemaname = 'storage' and tablename = 'objects'
                 and policyname = 'artwork_select_own_folder') then
    create policy artwork_select_own_folder on storage.objects for select to authenticated
      using (bucket_id = 'artwork' and (storage.foldername(name))[1] = (select auth.uid()::text));
  end if;
  if not exists (select 1 from pg_policies where schemaname = 'storage' and tablename = 'objects'
                 and policyname = 'artwork_insert_own_folder') then
    create policy artwork_insert_own_folder on storage.objects for insert to authenticated
      with check (bucket_id = 'artwork' and (storage.foldername(name))[1] = (select auth.uid()::text));
  end if;
  if not exists (select 1 from pg_policies where schemaname = 'storage' and tablename = 'objects'
                 and policyname = 'artwork_update_own_folder') then
    create policy artwork_update_own_folder on storage.objects for update to authenticated
      using (bucket_id = 'artwork' and (storage.foldername(name))[1] = (select auth.uid()::text))
      with check (bucket_id = 'artwork' and (storage.foldername(name))[1] = (select auth.uid()::text));
  end if;
  if not exists (select 1 from pg_policies where schemaname = 'storage' and tablename = 'objects'
                 and policyname = 'artwork_delete_own_folder') then
    create policy artwork_delete_own_folder on storage.objects for delete to authenticated
      using (bucket_id = 'artwork' and (storage.foldername(name))[1] = (select auth.uid()::text));
  end if;
exception when insufficient_privilege then
  raise warning 'not allowed to create policies on storage.objects (%). Create the four artwork_*_own_folder '
                'policies in the dashboard (Storage -> Policies), see supabase/migrations/20261125000005_storage_policies.sql',
                sqlerrm;
end
$$;
