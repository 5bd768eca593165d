-- The frontend follows product and variant rows over Realtime (`postgres_changes`).
-- * Tables must be in the `supabase_realtime` publication. It exists on every Supabase database
--   but not on plain Postgres, so create it if missing and add each table only if not already in.
-- * Published tables need a primary key (both have one) for UPDATEs to replicate; the default
--   replica identity (the key) is enough: clients do not need old values.
-- * Subscribers (`authenticated`) need GRANT SELECT and a passing SELECT policy: see the RLS
--   migration. DELETE events are neither filtered nor RLS-checked by Realtime; they carry only
--   the primary key, and the pipeline avoids them (variants are upserted, not deleted and
--   re-inserted).
do $$
declare
  table_name text;
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
  foreach table_name in array array['product', 'variant'] loop
    if not exists (select 1 from pg_publication_tables
                   where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = table_name) then
      execute format('alter publication supabase_realtime add table public.%I', table_name);
    end if;
  end loop;
end
$$;
