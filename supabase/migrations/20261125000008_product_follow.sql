-- Following products after the create, without holding a run (issue 6):
-- * lease_until: when the current create claim may be taken over. A claim's lease is long (a
--   POST may still be in flight); after an ambiguous failure it is shortened to a short grace,
--   so the retry reconciles and re-claims soon. A crashed run's claim simply runs out.
-- * next_check_at / status_checks: the status sensor's polling schedule (exponential backoff),
--   kept on the row so any sensor tick, on any machine, picks up where the last one stopped.
-- * republish_reason: set when Gelato deleted the product or its template changed; the next
--   publishing run of the artwork replaces the product and clears it.
alter table public.product
  add column if not exists lease_until timestamptz,
  add column if not exists next_check_at timestamptz,
  add column if not exists status_checks integer not null default 0 check (status_checks >= 0),
  add column if not exists republish_reason text;

-- Claims taken before lease_until existed keep the 120 s lease they were taken with.
update public.product set lease_until = intent_at + interval '120 seconds'
 where status = 'creating' and lease_until is null and intent_at is not null;

-- The sensor's "what is due" query: only products still on their way, soonest first.
create index if not exists product_follow_idx on public.product (next_check_at)
  where gelato_product_id is not null and status in ('created', 'publishing', 'stalled');
create index if not exists product_template_idx on public.product (template_id);
