"""The `listing` asset: the listing copy (title, description, tags, alt text)."""

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, BackfillPolicy, Failure, MetadataValue, asset

from pod_pipeline.defs.publishing.artworks import Artwork
from pod_pipeline.defs.publishing.batch import ArtworkBatch, by_artwork
from pod_pipeline.defs.publishing.checks import LISTING_CHECK, listing_check
from pod_pipeline.gelato.models import Template
from pod_pipeline.listing.html_subset import description_markdown, markdown_text
from pod_pipeline.listing.copywriter import CopyRejected, CopywriterConfigError
from pod_pipeline.listing.model import CopyRequest, Listing, ProductBrief
from pod_pipeline.defs.runs import ANTHROPIC_POOL, MAX_BATCH_SIZE, artworks_partitions
from pod_pipeline.defs.resources import CatalogResource, CopywriterResource, SettingsResource
from pod_pipeline.listing.marketplaces import own_copy_for
from pod_pipeline.settings import SellerSettings
from pod_pipeline.settings.rollout import rollout_for


def product_briefs(frame: pd.DataFrame, templates: dict[str, Template], product_types: dict[str, str | None]) -> list[ProductBrief]:
    briefs = []
    for template_id, rows in frame[frame["template_publishable"]].groupby("template_id", sort=False):
        template = templates[template_id]
        briefs.append(ProductBrief(
            template_id=template_id,
            product_type=product_types.get(template_id) or template.product_type or template.title,
            sizes=list(dict.fromkeys(rows["variant_title"])),
        ))
    return briefs


def copy_request(artworks: Artwork, variants: pd.DataFrame, templates: dict[str, Template],
                 seller: SellerSettings) -> CopyRequest:
    """What the copywriter is asked for one artwork. Bulk copy builds the very same request, so
    its results land where `listing`'s cache looks."""
    newest = rollout_for(seller, artworks.artwork_id).newest_prompt
    return CopyRequest(
        artwork_id=artworks.artwork_id, file_name=artworks.file_name, width=artworks.width,
        height=artworks.height, dominant_colors=list(artworks.dominant_colors), preview_jpeg=artworks.preview_jpeg,
        products=product_briefs(variants, templates, {t.id: t.product_type for t in seller.templates}),
        brand_voice=seller.listing.brand_voice, banned_words=seller.listing.banned_words,
        marketplaces=own_copy_for(seller.marketplaces()) if newest else [],
    )


def buyer_view(listing: Listing) -> str:
    """The listing as a buyer reads it, in Markdown (the UI renders Markdown, not HTML); a
    marketplace with its own title and tags follows the shared copy."""
    tags = " · ".join(markdown_text(tag) for tag in listing.tags)
    text = (f"### {markdown_text(listing.title)}\n\n{description_markdown(listing.description_html)}\n\n"
            f"**Tags:** {tags}\n\n**Alt text:** {markdown_text(listing.alt_text)}")
    for marketplace, own in listing.marketplaces.items():
        own_tags = " · ".join(markdown_text(tag) for tag in own.tags)
        text += (f"\n\n---\n\n**On {markdown_text(marketplace.capitalize())}** (its own title and tags; the "
                 f"description and alt text above)\n\n### {markdown_text(own.title)}\n\n**Tags:** {own_tags}")
    return text


def listing_metadata(listing: Listing, result) -> dict:
    return {
        "outcome": "ok",
        "listing": MetadataValue.md(buyer_view(listing)),
        "title": listing.title,
        "title_chars": len(listing.title),
        "tags": ", ".join(listing.tags),
        "tag_count": len(listing.tags),
        "marketplace_versions": ", ".join(listing.marketplaces) or "none (one copy for every store)",
        "description_html": MetadataValue.text(listing.description_html),
        "alt_text": listing.alt_text,
        "copywriter": result.copywriter,
        "model": result.model or "none (offline: no API call)",
        "prompt_version": result.prompt_version,
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "cost_usd": float(result.cost_usd),
        "request_id": result.request_id or "none",
        "repaired": result.repaired,
        "from_cache": bool(getattr(result, "cached", False)),
        "written_by": MetadataValue.md(
            "the **offline copywriter** (no key needed): set `POD_COPYWRITER=claude` and `ANTHROPIC_API_KEY` "
            "to have Claude write it from the image" if result.copywriter == "offline"
            else f"**Claude** (`{result.model}`, prompt {result.prompt_version})"),
    }


def write_listing(writer, request: CopyRequest, db) -> tuple[Listing, object]:
    """One artwork's copy; copy that cannot be written or breaks the rules stops the artwork."""
    try:
        result = writer.write(request)
    except CopywriterConfigError as misconfigured:
        # Can be this request's alone (an API 400): in a batch the others go on, so say it here.
        db.set_artwork_status(request.artwork_id, "failed", f"listing copy cannot be written: {misconfigured}")
        raise Failure(f"listing copy cannot be written: {misconfigured}", allow_retries=False) from None
    except CopyRejected as rejected:
        db.set_artwork_status(request.artwork_id, "failed", f"listing copy: {rejected.reason}")
        raise Failure(f"no valid listing copy: {rejected.reason}", allow_retries=False) from None
    return result.listing, result


@asset(partitions_def=artworks_partitions, group_name="artwork", kinds={"python"}, code_version="1",
       pool=ANTHROPIC_POOL, ins={"artworks": AssetIn(metadata={"allow_missing_partitions": True}),
            "variants": AssetIn(metadata={"allow_missing_partitions": True})},
       backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=MAX_BATCH_SIZE),
       check_specs=[LISTING_CHECK])
def listing(context: AssetExecutionContext, artworks, variants, templates: dict[str, Template],
            settings: SettingsResource, copywriter: CopywriterResource, catalog: CatalogResource):
    """SEO listing copy for the artwork's products: title, HTML description, up to 13 tags and
    alt text, written from the image and what the pipeline knows (product types, sizes, the
    seller's brand voice). The file name is treated as data, never as instructions. Marketplace
    rules (Etsy's: lengths, characters, tag limits, banned words) are enforced in code; copy
    that breaks them stops its artwork, and the rest of a batch goes on."""
    seller, db = settings.load(), catalog.open()
    try:
        writer = copywriter.get(seller.listing, seller.copywriter)
    except (ValueError, CopywriterConfigError) as misconfigured:
        raise Failure(f"listing copy cannot be written: {misconfigured}", allow_retries=False) from None
    uploads, fits = by_artwork(context, artworks), by_artwork(context, variants)
    batch = ArtworkBatch(context, "listing")
    batch.skipped_upstream(fits)
    calls = {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}
    for key, fit in fits.items():
        def work(key=key, fit=fit):
            listing, result = write_listing(writer, copy_request(uploads[key], fit, templates, seller), db)
            batch.note(key, listing_metadata(listing, result))
            calls["input_tokens"] += result.input_tokens or 0
            calls["output_tokens"] += result.output_tokens or 0
            calls["cost_usd"] += float(result.cost_usd)
            return listing
        batch.run(key, work)
    check, breaking = listing_check(batch.done, seller)
    batch.hold_back(check, breaking,
                    lambda key, reason: db.set_artwork_status(key, "failed", f"listing copy breaks rules: {reason}"))
    if not batch.single:
        context.log.info(f"copy for {len(batch.done)} artworks: {calls['input_tokens']} input and "
                         f"{calls['output_tokens']} output tokens, ${calls['cost_usd']:.4f}")
    yield from batch.results(check)
