-- The funnel (issue 7) reads artwork by time, hourly:
-- * artworks created in the last N days: the window of the funnel counts;
-- * artworks still `processing`/`publishing` whose row has not changed for a while: the stuck
--   check. Partial, so it holds only the few artworks on their way, not the whole catalog.
-- Both cost little on writes: an artwork row changes a handful of times in its life.
create index if not exists artwork_created_at_idx on public.artwork (created_at);
create index if not exists artwork_unsettled_idx on public.artwork (updated_at)
  where status in ('pending', 'processing', 'publishing');
