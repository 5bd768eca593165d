-- Which version of the artwork each Gelato product was made from: a re-upload with new bytes
-- (same path) is detected and its products are replaced, instead of silently keeping old art.
alter table public.product add column if not exists artwork_checksum text
  check (artwork_checksum is null or artwork_checksum ~ '^[0-9a-f]{64}$');
