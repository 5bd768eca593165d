-- The catalog the seller's frontend reads (mirrors pod_pipeline/catalog/rows.py; statuses are
-- exactly ArtworkStatus / ProductStatus there). The pipeline owns every row: users only read.
--
-- Decisions:
-- * artwork.id is text: the Dagster partition key (e.g. `sunset-over-dunes-1a2b3c4d`).
-- * product.id is uuid: uuid5(artwork, template) from the pipeline, so re-runs hit the same row.
-- * variant carries user_id too, so its RLS policy is a column compare, not a join. Owners are
--   kept consistent by composite foreign keys (artwork.(id,user_id) <- product <- variant) and a
--   trigger fills variant.user_id from its product, so writers never send it.
-- * The create claim (status `creating`, create_attempts, intent_at) stays on `product`: the
--   claim must be ONE atomic conditional UPDATE of the row the frontend watches. `publish_intent`
--   is the append-only ledger of every claim, written by the same statement (a CTE).
-- * tags are text[] (not jsonb): psycopg2 maps list <-> array natively and PostgREST filters
--   arrays with `cs.{tag}`.
-- * updated_at is the database clock, set by trigger on every insert and update, whoever writes.
-- * Indexes: every lookup is covered, without duplicates. The primary key
--   variant(product_id, template_variant_id) IS the variant(product_id) index, and the unique
--   product(artwork_id, template_id) serves product(artwork_id); a second, narrower index would
--   only cost every write.

create function public.catalog_touch_updated_at() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create table public.artwork (
  id           text primary key check (id <> ''),
  user_id      uuid not null,
  path         text not null unique,
  version      text not null,
  checksum     text,
  size_bytes   bigint check (size_bytes >= 0),
  width        integer check (width >= 0),
  height       integer check (height >= 0),
  format       text,
  preview_path text,
  status       text not null default 'pending'
               check (status in ('pending', 'processing', 'rejected', 'publishing', 'published', 'partial', 'failed')),
  reason       text,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  -- target of product's (artwork_id, user_id) key: a product's owner is its artwork's owner
  unique (id, user_id)
);
create index artwork_user_id_idx on public.artwork (user_id);

create table public.product (
  id                    uuid primary key,
  artwork_id            text not null,
  template_id           text not null check (template_id <> ''),
  user_id               uuid not null,
  status                text not null
                        check (status in ('skipped', 'pending', 'creating', 'created', 'publishing', 'active',
                                          'publishing_error', 'deleted', 'stalled')),
  reason                text,
  title                 text,
  description           text,
  tags                  text[] not null default '{}' check (array_position(tags, null) is null),
  gelato_product_id     text unique,
  external_id           text,
  publishing_error_code text,
  create_attempts       integer not null default 0 check (create_attempts >= 0),
  intent_at             timestamptz,
  published_at          timestamptz,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  unique (artwork_id, template_id),
  unique (id, user_id),
  foreign key (artwork_id, user_id) references public.artwork (id, user_id) on update cascade on delete cascade
);
create index product_user_id_idx on public.product (user_id);
create index product_status_idx on public.product (status);

-- Fills variant.user_id from the product (writers send product_id only); a missing product is
-- reported as the foreign-key error it is, not as a NULL user_id.
create function public.variant_fill_user_id() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  if new.user_id is null then
    select p.user_id into new.user_id from public.product p where p.id = new.product_id;
    if not found then
      raise exception 'variant %: product % does not exist', new.template_variant_id, new.product_id
        using errcode = 'foreign_key_violation';
    end if;
  end if;
  return new;
end
$$;

create table public.variant (
  product_id          uuid not null,
  template_variant_id text not null,
  user_id             uuid not null,
  title               text not null,
  product_uid         text not null,
  effective_dpi       double precision check (effective_dpi >= 0),
  verdict             text,
  cost                numeric(12, 2) check (cost >= 0),
  price               numeric(12, 2) check (price >= 0),
  currency            text check (currency ~ '^[A-Z]{3}$'),
  gelato_variant_id   text,
  external_id         text,
  connection_status   text,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  primary key (product_id, template_variant_id),
  foreign key (product_id, user_id) references public.product (id, user_id) on update cascade on delete cascade
);
create index variant_user_id_idx on public.variant (user_id);

-- One row per create claim: when the right to send Gelato's create POST was taken, and for how
-- long. Read it to see how many creates a product cost and when; never exposed to users.
create table public.publish_intent (
  product_id    uuid not null references public.product (id) on delete cascade,
  attempt       integer not null check (attempt > 0),
  claimed_at    timestamptz not null default now(),
  lease_seconds double precision not null check (lease_seconds >= 0),
  primary key (product_id, attempt)
);

-- Gelato webhook deliveries, deduplicated on Gelato's event id (Gelato redelivers).
create table public.gelato_event (
  id               text primary key,
  event            text not null,
  store_product_id text,
  payload          jsonb not null,
  received_at      timestamptz not null default now(),
  processed_at     timestamptz
);
create index gelato_event_store_product_id_idx on public.gelato_event (store_product_id);
create index gelato_event_unprocessed_idx on public.gelato_event (received_at) where processed_at is null;

create trigger artwork_touch_updated_at before insert or update on public.artwork
  for each row execute function public.catalog_touch_updated_at();
create trigger product_touch_updated_at before insert or update on public.product
  for each row execute function public.catalog_touch_updated_at();
create trigger variant_touch_updated_at before insert or update on public.variant
  for each row execute function public.catalog_touch_updated_at();
create trigger variant_fill_user_id before insert on public.variant
  for each row execute function public.variant_fill_user_id();
