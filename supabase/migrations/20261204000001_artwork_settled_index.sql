-- Partition retirement (issue 18) walks rejected and failed artworks by (updated_at, id), 500 an
-- hour, past a keyset cursor. Partial, like artwork_unsettled_idx: it holds only the artworks that
-- can retire, and the walk reads a page of it instead of scanning the catalog.
create index if not exists artwork_settled_idx on public.artwork (updated_at, id)
  where status in ('rejected', 'failed');
