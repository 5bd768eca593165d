"""Asset checks on the artwork, its fit, its copy and its products (prices: `price_checks`). Each recomputes its rule from raw values rather than trusting the verdict the
asset computed, so a bug in the asset is caught here. Blocking checks gate publishing."""

import httpx
import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, AssetIn, asset_check

from pod_pipeline.assets.artworks import Artwork, artworks
from pod_pipeline.assets.metadata import metadata
from pod_pipeline.assets.published_products import published_products
from pod_pipeline.assets.variants import variants
from pod_pipeline.listing.model import Listing
from pod_pipeline.listing.rules import listing_violations
from pod_pipeline.partitions import artworks_partitions
from pod_pipeline.printability import MM_PER_INCH
from pod_pipeline.resources import SettingsResource, StorageResource


def fetch_problems(url: str) -> list[str]:
    try:
        with httpx.stream("GET", url, timeout=20, follow_redirects=True) as response:
            kind = response.headers.get("content-type", "")
            if response.status_code != 200:
                return [f"print URL answered {response.status_code}"]
            if not kind.startswith("image/"):
                return [f"print URL serves {kind or 'no content type'}, not an image"]
    except httpx.HTTPError as error:
        return [f"print URL cannot be fetched: {error!r}"]
    return []


@asset_check(asset=artworks, blocking=True, partitions_def=artworks_partitions)
def print_file_is_reachable(artworks: Artwork, storage: StorageResource) -> AssetCheckResult:
    """The file Gelato will fetch exists, answers a plain GET (no headers, as Gelato fetches it)
    at its print URL with an image, and the artwork has real dimensions. A file Gelato cannot
    fetch would otherwise surface only as a publishing_error minutes later."""
    bucket = storage.open()
    stored = bucket.stat(artworks.print_path)
    problems = []
    if stored is None:
        problems.append(f"print file {artworks.print_path} is missing from the bucket")
    elif stored.size == 0:
        problems.append(f"print file {artworks.print_path} is empty")
    else:
        problems += fetch_problems(bucket.print_file_url(artworks.print_path))
    if artworks.width <= 0 or artworks.height <= 0:
        problems.append(f"artwork has no pixels ({artworks.width}×{artworks.height})")
    return AssetCheckResult(passed=not problems, metadata={"problems": "; ".join(problems) or "none",
                                                           "print_path": artworks.print_path})


@asset_check(asset=variants, blocking=True, partitions_def=artworks_partitions,
             additional_ins={"artworks": AssetIn("artworks")})
def publishable_templates_are_sharp_enough(variants: pd.DataFrame, artworks: Artwork,
                                           settings: SettingsResource) -> AssetCheckResult:
    """Every variant of a template marked publishable clears the minimum dpi, recomputed from
    the artwork's pixels and the placeholder's millimetres."""
    seller = settings.load()
    chosen = variants[variants["template_publishable"]]
    dpi_w = artworks.width / (chosen["width_mm"] / MM_PER_INCH)
    dpi_h = artworks.height / (chosen["height_mm"] / MM_PER_INCH)
    slice_fit = chosen["template_id"].map(lambda t: seller.print_rules_for(t).fit_method == "slice")
    both = pd.concat([dpi_w, dpi_h], axis=1)
    # slice crops to the tighter side; meet fits inside and keeps the looser one
    effective = both.min(axis=1).where(slice_fit, both.max(axis=1))
    too_soft = chosen[effective < seller.print.min_dpi]
    return AssetCheckResult(
        passed=len(chosen) > 0 and too_soft.empty,
        metadata={"publishable_variants": len(chosen), "below_minimum": len(too_soft),
                  "lowest_dpi": float(effective.min()) if len(effective) else 0.0},
    )


@asset_check(asset=metadata, blocking=True, partitions_def=artworks_partitions)
def listing_meets_marketplace_rules(metadata: Listing, settings: SettingsResource) -> AssetCheckResult:
    """Title, tags, description and alt text meet the marketplace rules and banned words."""
    problems = listing_violations(metadata, settings.load().listing)
    return AssetCheckResult(passed=not problems, metadata={"violations": "; ".join(problems) or "none"})


@asset_check(asset=published_products, partitions_def=artworks_partitions)
def every_variant_on_product(published_products: pd.DataFrame) -> AssetCheckResult:
    """Each created store product carries every template variant, and live ones are connected
    to the marketplace."""
    made = published_products[published_products["gelato_product_id"].notna()]
    missing = made[made["variants_on_product"] != made["variants_expected"]]
    live = made[made["status"] == "active"]
    unconnected = live[live["variants_connected"] != live["variants_on_product"]]
    return AssetCheckResult(
        passed=missing.empty and unconnected.empty,
        severity=AssetCheckSeverity.ERROR,
        metadata={"products": len(made), "missing_variants": len(missing), "unconnected": len(unconnected)},
    )
