-- Request budgets for external APIs shared by every pipeline worker (issue 7): one token bucket
-- per API (`gelato`, `anthropic`). Each request reserves a token with one
-- `insert … on conflict do update … returning` (pod_pipeline/ratelimit/postgres.py): the row lock
-- serialises concurrent workers, so together they never exceed rate × time + burst.
-- * tokens: what is left after the last reservation; negative while callers are queued (each
--   sleeps until the refill has paid its share).
-- * refilled_at: the database clock at that reservation (one clock for every host).
-- * rate_per_second, burst: the limit the last caller was configured with, for the operator.
-- Only the pipeline (table owner or service_role) touches it: RLS on, no policy, no grants to
-- users. Rows are updated in place many times a second: a low fillfactor keeps those updates HOT.
create table if not exists public.api_rate_limit (
  api             text primary key check (api ~ '^[a-z][a-z0-9_]*$'),
  tokens          double precision not null,
  refilled_at     timestamptz not null,
  rate_per_second double precision not null check (rate_per_second > 0),
  burst           double precision not null check (burst >= 1),
  check (tokens <= burst)
) with (fillfactor = 50);

alter table public.api_rate_limit enable row level security;
revoke all on table public.api_rate_limit from public, anon, authenticated;
grant all on table public.api_rate_limit to service_role;
