-- Roles, `auth` schema and `auth.uid()` as Supabase provides them, for plain PostgreSQL only
-- (local tests, CI). On a Supabase database all of these already exist and belong to Supabase's
-- own admin roles, so every step is guarded and this migration is a no-op there: it never
-- replaces Supabase's auth.uid() and never re-grants memberships Supabase manages.

do $$
declare
  role_name text;
begin
  -- anon / authenticated: the roles PostgREST switches to for requests without / with a user
  -- JWT. service_role: the backend's role, bypasses RLS. All three cannot log in themselves.
  foreach role_name in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_roles where rolname = role_name) then
      begin
        execute format('create role %I nologin noinherit%s', role_name,
                       case when role_name = 'service_role' then ' bypassrls' else '' end);
      exception when duplicate_object or unique_violation then
        null; -- roles are cluster-wide: a migration in another database created it meanwhile
      end;
    end if;
  end loop;

  -- authenticator: the login role PostgREST (and Storage) connect as; it may only SET ROLE to
  -- the three above (noinherit). No password here: whoever runs PostgREST on plain Postgres sets
  -- one (`alter role authenticator password ...`); until then it cannot log in under password auth.
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    begin
      create role authenticator login noinherit;
    exception when duplicate_object or unique_violation then
      null;
    end;
  end if;
  foreach role_name in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_auth_members m
                   where m.roleid = (select oid from pg_roles where rolname = role_name)
                     and m.member = (select oid from pg_roles where rolname = 'authenticator')) then
      begin
        execute format('grant %I to authenticator', role_name);
      exception when others then
        -- Concurrent grants from another database can collide ("tuple concurrently updated");
        -- only an actually missing membership is an error.
        if not pg_has_role('authenticator', role_name, 'member') then
          raise;
        end if;
      end;
    end if;
  end loop;
end
$$;

do $$
begin
  if not exists (select 1 from pg_namespace where nspname = 'auth') then
    create schema auth;
    grant usage on schema auth to anon, authenticated, service_role;
  end if;

  -- The exact definition Supabase uses: PostgREST puts the verified JWT claims into
  -- `request.jwt.claims` (older versions: `request.jwt.claim.sub`).
  if to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid
      language sql stable
      set search_path = ''
      as $fn$
        select coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
        )::uuid
      $fn$;
    grant execute on function auth.uid() to anon, authenticated, service_role;
  end if;
end
$$;

-- PostgREST needs USAGE on the exposed schema for each request role (Supabase grants this too).
do $$
declare
  role_name text;
begin
  foreach role_name in array array['anon', 'authenticated', 'service_role'] loop
    if not has_schema_privilege(role_name, 'public', 'usage') then
      execute format('grant usage on schema public to %I', role_name);
    end if;
  end loop;
end
$$;
