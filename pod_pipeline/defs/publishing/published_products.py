"""The `published_products` asset: the artwork's products in the seller's Gelato store."""

import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, BackfillPolicy, Failure, MetadataValue, RetryRequested, asset

from pod_pipeline.defs.publishing.artworks import Artwork
from pod_pipeline.defs.gelato_cache.assets import gelato_retry
from pod_pipeline.defs.publishing.batch import ArtworkBatch, by_artwork
from pod_pipeline.catalog.rows import ProductRow, VariantRow, now, product_id_for
from pod_pipeline.defs.publishing.checks import PRODUCTS_CHECK, products_check
from pod_pipeline.gelato.errors import GelatoAmbiguousCreate, GelatoClientError
from pod_pipeline.gelato.models import StoreProduct, Template
from pod_pipeline.defs.gelato_resource import GelatoResource
from pod_pipeline.listing.model import Listing
from pod_pipeline.observability.context import log_context
from pod_pipeline.defs.runs import GELATO_POOL, MAX_BATCH_SIZE, artworks_partitions
from pod_pipeline.pricing.money import money_text
from pod_pipeline.publishing.product_status import artwork_outcome, changed_fields, status_fields
from pod_pipeline.publishing.ledger import CreateInProgress, create_body, ensure_created, is_outdated, retire_outdated
from pod_pipeline.defs.resources import CatalogResource, SettingsResource, StorageResource
from pod_pipeline.settings import SellerSettings
from pod_pipeline.settings.model import Market
from pod_pipeline.settings.rollout import rollout_for
from pod_pipeline.defs.ui_metadata import product_links, table


def variant_rows(product_id: str, template_variants: pd.DataFrame, prices: pd.DataFrame, market: Market,
                 product: StoreProduct | None) -> list[VariantRow]:
    """Catalog variants priced in the store's main market (from the stored `prices`), linked to
    Gelato's variant ids."""
    priced = prices[(prices["country"] == market.country) & (prices["currency"] == market.currency)
                    & prices["template_id"].isin(template_variants["template_id"].unique())]
    priced = priced.set_index("template_variant_id")
    store_variants = {v.title: v for v in (product.variants if product else [])}
    rows = []
    for variant_id, group in template_variants.groupby("template_variant_id", sort=False):
        first = group.iloc[0]
        price = priced.loc[variant_id] if variant_id in priced.index else None
        store = store_variants.get(first["variant_title"])
        rows.append(VariantRow(
            product_id=product_id, template_variant_id=variant_id, title=first["variant_title"],
            product_uid=first["product_uid"], effective_dpi=float(group["effective_dpi"].min()),
            verdict=first["verdict"] if len(group) == 1 else min(group["verdict"], key=["fail", "warn", "pass"].index),
            cost=money_text(Decimal(price["cost"]) * Decimal(price["fx_rate"])) if price is not None else None,
            price=price["price"] if price is not None else None,
            currency=market.currency,
            gelato_variant_id=store.id if store else None, external_id=store.external_id if store else None,
            connection_status=store.connection_status if store else None,
        ))
    return rows


def placeholder_urls(placed, bucket) -> dict[tuple[str, str], str]:
    """Each placeholder's own print file URL, by (template variant id, placeholder name)."""
    return {(variant_id, placeholder): bucket.print_file_url(f.path)
            for f in placed for _, variant_id, placeholder, _ in f.uses}


class CreatesPending(Exception):
    """Why a publishing step retries (and, if its retries run out, the reason the hook records)."""

    def __init__(self, artwork_ids: list[str]):
        super().__init__(f"creates still unsettled for {', '.join(artwork_ids[:5])}"
                         f"{' and more' if len(artwork_ids) > 5 else ''} (ambiguous, or claimed by another run)")


class RetryLater(Exception):
    """An artwork whose create must be looked at again later (ambiguous, or another run's claim)."""

    def __init__(self, seconds: float):
        super().__init__(f"retry in {seconds:.0f} s")
        self.seconds = seconds


def refused_earlier(context: AssetExecutionContext, existing: ProductRow | None) -> bool:
    """Gelato refused this product's create in an earlier attempt of this step (a retry of a batch
    redoes every artwork): the same body would be refused again."""
    return (context.retry_number > 0 and existing is not None and existing.status == "publishing_error"
            and not existing.gelato_product_id)


def publish_one(context: AssetExecutionContext, client, db, seller: SellerSettings, templates: dict[str, Template],
                artwork: Artwork, variants: pd.DataFrame, listing: Listing, file_url: str,
                files: dict[tuple[str, str], str] | None = None) -> tuple[pd.DataFrame, dict]:
    """One artwork's products, one per store × template it is rolled out to: created (or
    adopted) and recorded, then handed to the status sensor."""
    prices = db.current_prices([artwork.artwork_id])  # what `prices` stored for this artwork
    rollout = rollout_for(seller, artwork.artwork_id)
    results: dict[str, dict] = {}
    variants_by_product: dict[str, list[VariantRow]] = {}
    for target in rollout.targets:
        store, choice = target.store, target.template
        template = templates[choice.id]
        template_variants = variants[variants["template_id"] == choice.id]
        product_id = product_id_for(artwork.artwork_id, choice.id, store.name)
        publishable = bool(template_variants["template_publishable"].iloc[0])
        copy = listing.for_marketplace(store.marketplace)
        title = copy.product_titles.get(choice.id) or copy.title
        reason = template_variants["template_reason"].iloc[0] or None
        if publishable and target.held_back is not None:
            reason = target.held_back.reason()
        result = results[product_id] = {
            "template": template.title, "store": store.name, "marketplace": store.marketplace,
            "template_id": choice.id, "product_id": product_id,
            "gelato_product_id": None, "status": "skipped", "external_id": None, "reason": reason,
            "variants_expected": len(template.variants), "variants_on_product": 0, "variants_connected": 0,
            "preview_url": None,
        }
        row = ProductRow(id=product_id, artwork_id=artwork.artwork_id, template_id=choice.id, store=store.name,
                         user_id=artwork.owner, status="skipped", reason=reason, title=title,
                         description=copy.description_html, tags=copy.tags)
        existing = db.get_product(product_id)
        if publishable and target.held_back is not None and existing and existing.gelato_product_id:
            # A narrowed rollout never takes down what is already in the store.
            result.update(status=existing.status, gelato_product_id=existing.gelato_product_id,
                          reason=f"kept: {target.held_back.reason()}")
            continue
        if not publishable or target.held_back is not None:
            db.upsert_product(row)
            variants_by_product[product_id] = variant_rows(product_id, template_variants, prices,
                                                           seller.markets_of(store)[0], None)
            continue
        if refused_earlier(context, existing):
            result.update(status="publishing_error", reason=existing.reason)  # resending fails the same way
            continue
        if existing and existing.republish_reason and existing.gelato_product_id:
            retire_outdated(client, db, store.gelato_store_id, existing)  # deleted in Gelato, or its template changed
            existing = db.get_product(product_id)
        elif is_outdated(existing, artwork.sha256):
            if not seller.replace_on_new_version:
                result.update(status=existing.status, gelato_product_id=existing.gelato_product_id,
                              reason="the artwork changed; the store keeps the previous version "
                                     "(replace_on_new_version is off)")
                continue
            retire_outdated(client, db, store.gelato_store_id, existing)
            existing = db.get_product(product_id)
        db.upsert_product(row.model_copy(update={"status": existing.status if existing else "pending",
                                                 "reason": None}))
        body = create_body(template, title=title, description=copy.description_html, tags=copy.tags,
                           file_url=file_url, fit_method=seller.print_rules_for(choice.id).fit_method,
                           placeholders=choice.placeholders, product_type=choice.product_type,
                           visible=seller.visible_in_store if store.visible is None else store.visible, files=files)
        with log_context(template_id=choice.id, product_id=product_id, store=store.name):
            try:
                product = ensure_created(client, db, store.gelato_store_id, row, body,
                                         [v.title for v in template.variants], artwork.sha256, seller.publishing)
            except GelatoClientError as refused:
                result.update(status="publishing_error", reason=str(refused))
                continue
            except GelatoAmbiguousCreate as unsure:
                context.log.warning(f"{template.title} in {store.name}: {unsure}; looking in the store before "
                                    "any new create")
                raise RetryLater(seller.publishing.ambiguous_retry_seconds + 1) from unsure
            except CreateInProgress as busy:
                raise RetryLater(busy.retry_after) from busy
        # The first status, and the first poll scheduled; the sensor takes it from here.
        claimed = db.get_product(product_id)
        first = changed_fields(claimed, status_fields(claimed, product, seller.publishing, now()))
        db.update_product(product_id, **first)
        recorded = claimed.model_copy(update=first)
        variants_by_product[product_id] = variant_rows(product_id, template_variants, prices,
                                                       seller.markets_of(store)[0], product)
        result.update(gelato_product_id=product.id, status=recorded.status, external_id=product.external_id,
                      preview_url=product.preview_url, reason=recorded.reason,
                      variants_on_product=len(product.variants),
                      variants_connected=sum(v.connection_status == "connected" for v in product.variants))

    # Every product's variants in one batch: the storefront shows sizes and prices while Gelato publishes.
    db.replace_artwork_variants(variants_by_product)
    rows = list(results.values())
    titles = {choice.id: templates[choice.id].title for choice in seller.templates}
    status, reason = artwork_outcome(db.products_for(artwork.artwork_id), titles)
    db.set_artwork_status(artwork.artwork_id, status, reason)
    frame = pd.DataFrame(rows)
    metadata = {
        "outcome": "ok" if status != "failed" else "failed",
        "stores": ", ".join(dict.fromkeys(f"{t.store.name} ({t.store.marketplace})" for t in rollout.targets)),
        "artwork_status": status,
        "products_live": int((frame["status"] == "active").sum()),
        "products_handed_over": int(frame["status"].isin(["created", "publishing"]).sum()),
        "products_skipped": int((frame["status"] == "skipped").sum()),
        "products_failed": int((frame["status"] == "publishing_error").sum()),
        "products": table(frame),
        "links": MetadataValue.md(product_links(rows)),
    }
    if rollout.decisions:
        metadata["rollout"] = table(pd.DataFrame(rollout.rows()))
    if status == "failed":
        raise Failure(f"no product went live: {reason}", metadata={"products": table(frame)}, allow_retries=False)
    return frame, metadata


@asset(partitions_def=artworks_partitions, group_name="publishing", kinds={"gelato"}, pool=GELATO_POOL,
       retry_policy=gelato_retry, code_version="3", deps=["prices"],
       ins={name: AssetIn(metadata={"allow_missing_partitions": True})
            for name in ("artworks", "variants", "listing", "print_files")},
       backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=MAX_BATCH_SIZE),
       check_specs=[PRODUCTS_CHECK])
def published_products(context: AssetExecutionContext, artworks, variants, listing, print_files,
                       templates: dict[str, Template], gelato: GelatoResource,
                       storage: StorageResource, catalog: CatalogResource, settings: SettingsResource):
    """The artwork's products in the seller's Gelato-connected stores, one per store × printable
    template the artwork is rolled out to.

    Each is created from its template exactly once: the intent is recorded before the call, and
    an interrupted create is reconciled against the store, never blindly re-sent. Every template
    variant is listed, each placeholder with the print file `print_files` made for its size; the
    copy is the store's marketplace's. The run then hands over: the
    `product_status_sensor` follows each product through created → publishing → active (with
    the marketplace listing id) or publishing_error, and records each transition on this
    partition as an observation. A product Gelato deleted, or whose template changed, is
    replaced when the partition is materialized again. A batch publishes
    `publishing.create_concurrency` artworks at a time; an artwork whose create was ambiguous is
    looked at again when the step retries, after the others are done."""
    seller, db, bucket = settings.load(), catalog.open(), storage.open()
    uploads, fits, listings = by_artwork(context, artworks), by_artwork(context, variants), by_artwork(context, listing)
    files = by_artwork(context, print_files)
    batch = ArtworkBatch(context, "published_products")
    listings = {key: value for key, value in listings.items() if key in files}  # print_files stopped the rest
    batch.skipped_upstream(listings)
    waiting: dict[str, float] = {}  # artwork → seconds until its create may be looked at again
    started = time.monotonic()

    with gelato.client() as client:
        def publish(key: str) -> None:
            def work():
                try:
                    frame, figures = publish_one(context, client, db, seller, templates, uploads[key], fits[key],
                                                 listings[key], bucket.print_file_url(uploads[key].print_path),
                                                 placeholder_urls(files[key], bucket))
                except RetryLater as later:
                    waiting[key] = later.seconds
                    return None
                batch.note(key, figures)
                return frame
            batch.run(key, work)

        with ThreadPoolExecutor(max_workers=seller.publishing.create_concurrency,
                                thread_name_prefix="gelato-create") as pool:
            list(pool.map(publish, list(listings)))
        calls = dict(client.calls)
    for key in waiting:
        batch.done.pop(key)
    run_figures = {
        "gelato_calls": sum(calls.values()),
        "gelato_calls_by_endpoint": MetadataValue.json(calls),
        "gelato_seconds": round(time.monotonic() - started, 2),
        "artworks_in_run": len(batch.keys),
    }
    if waiting:
        wait = max(waiting.values())
        context.log.info(f"{len(waiting)} artworks wait for an earlier or ambiguous create; the step retries "
                         f"in {wait:.0f} s")
        raise RetryRequested(max_retries=5, seconds_to_wait=wait) from CreatesPending(list(waiting))
    yield from batch.results(products_check(batch.done), metadata=run_figures)
