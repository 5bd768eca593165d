"""Asset checks on the artwork, its fit, its copy and its products (prices: `price_checks`).

Each recomputes its rule from raw values rather than trusting the verdict the asset computed,
so a bug in the asset is caught here. They are declared on their assets (`check_specs`) and
evaluated by the asset over the artworks of its run, one result per run naming the failing
artworks. They gate publishing *per artwork*: the asset stops an artwork that fails them (its
status says which check and why) and the rest of the batch goes on. A Dagster-blocking check
would stop the whole batch for one bad artwork, so the specs are not `blocking`; the gate is
the asset's.
"""

from pathlib import PurePosixPath

import httpx
import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec

from pod_pipeline.listing.rules import listing_violations
from pod_pipeline.net.tls import shared_tls_context
from pod_pipeline.artwork.printability import MM_PER_INCH
from pod_pipeline.settings import SellerSettings
from pod_pipeline.defs.ui_metadata import table

PRINT_FILE_CHECK = AssetCheckSpec(
    "print_file_is_reachable", asset="artworks",
    description="The file Gelato will fetch exists, answers a plain GET (no headers, as Gelato fetches it) with "
                "the content type its content really is, and the artwork has real dimensions. Failing artworks stop before publishing.")
SHARPNESS_CHECK = AssetCheckSpec(
    "publishable_templates_are_sharp_enough", asset="variants", additional_deps=["artworks"],
    description="Every variant of a template marked publishable clears the minimum dpi, recomputed from the "
                "artwork's pixels and the placeholder's millimetres. Failing artworks stop before publishing.")
LISTING_CHECK = AssetCheckSpec(
    "listing_meets_marketplace_rules", asset="listing",
    description="Title, tags, description and alt text meet the marketplace rules and banned words. Failing "
                "artworks stop before publishing.")
PRODUCTS_CHECK = AssetCheckSpec(
    "every_variant_on_product", asset="published_products",
    description="Each created store product carries every template variant, and live ones are connected to "
                "the marketplace.")


def batch_result(spec: AssetCheckSpec, problems_by_artwork: dict[str, list[str]], checked: int,
                 severity: AssetCheckSeverity = AssetCheckSeverity.ERROR, **figures) -> AssetCheckResult:
    """One result for the artworks of the run: passed when none has a problem; the failing ones named."""
    failing = {key: problems for key, problems in problems_by_artwork.items() if problems}
    metadata = {"artworks_checked": checked, "artworks_failing": len(failing), **figures}
    if failing:
        metadata["failing"] = table(pd.DataFrame(
            [{"artwork": key, "problems": "; ".join(problems)} for key, problems in failing.items()]), limit=50)
    return AssetCheckResult(passed=not failing, severity=severity, metadata=metadata,
                            asset_key=spec.asset_key, check_name=spec.name)


# What Gelato's fileUrl accepts, by the print file's name (the pipeline names it for its content).
PRINT_FILE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def fetch_problems(url: str, expected_type: str | None = None) -> list[str]:
    """A plain GET as Gelato sends it: 200 and served as `expected_type` (any image when None)."""
    try:
        # The process's TLS context: a context of its own per GET cost more than the GET (~40 ms).
        with httpx.stream("GET", url, timeout=20, follow_redirects=True, verify=shared_tls_context()) as response:
            kind = response.headers.get("content-type", "")
            if response.status_code != 200:
                return [f"print URL answered {response.status_code}"]
            served = kind.split(";")[0].strip().lower()
            if not served.startswith("image/"):
                return [f"print URL serves {kind or 'no content type'}, not an image"]
            if expected_type and served != expected_type:
                return [f"print URL serves {kind}, but the file is {expected_type}"]
    except httpx.HTTPError as error:
        return [f"print URL cannot be fetched: {error!r}"]
    return []


def print_file_problems(artwork, bucket) -> list[str]:
    stored = bucket.stat(artwork.print_path)
    problems = []
    expected_type = PRINT_FILE_TYPES.get(PurePosixPath(artwork.print_path).suffix.lower())
    if expected_type is None:
        problems.append(f"print file {artwork.print_path} is not named .png or .jpg (Gelato goes by the name)")
    if stored is None:
        problems.append(f"print file {artwork.print_path} is missing from the bucket")
    elif stored.size == 0:
        problems.append(f"print file {artwork.print_path} is empty")
    else:
        problems += fetch_problems(bucket.print_file_url(artwork.print_path), expected_type)
    if artwork.width <= 0 or artwork.height <= 0:
        problems.append(f"artwork has no pixels ({artwork.width}×{artwork.height})")
    return problems


def print_file_check(artworks: dict, bucket, map_each=map) -> tuple[AssetCheckResult, dict[str, str]]:
    """`map_each`: how to run the fetches (a thread pool's `map` sends them side by side)."""
    found = map_each(lambda artwork: print_file_problems(artwork, bucket), list(artworks.values()))
    problems = dict(zip(artworks, found))
    failing = {key: "; ".join(found) for key, found in problems.items() if found}
    return batch_result(PRINT_FILE_CHECK, problems, len(artworks)), failing


def sharpness_problems(variants: pd.DataFrame, artwork, seller: SellerSettings) -> tuple[list[str], float]:
    chosen = variants[variants["template_publishable"]]
    dpi_w = artwork.width / (chosen["width_mm"] / MM_PER_INCH)
    dpi_h = artwork.height / (chosen["height_mm"] / MM_PER_INCH)
    slice_fit = chosen["template_id"].map(lambda t: seller.print_rules_for(t).fit_method == "slice")
    both = pd.concat([dpi_w, dpi_h], axis=1)
    # slice crops to the tighter side; meet fits inside and keeps the looser one
    effective = both.min(axis=1).where(slice_fit, both.max(axis=1))
    too_soft = chosen[effective < seller.print.min_dpi]
    problems = [] if len(chosen) else ["no template is publishable"]
    if len(too_soft):
        problems.append(f"{len(too_soft)} publishable variants below {seller.print.min_dpi} dpi "
                        f"(lowest {float(effective.min()):.0f})")
    return problems, float(effective.min()) if len(effective) else 0.0


def sharpness_check(variants: dict[str, pd.DataFrame], artworks: dict, seller: SellerSettings
                    ) -> tuple[AssetCheckResult, dict[str, str]]:
    problems, lowest = {}, []
    for key, frame in variants.items():
        problems[key], low = sharpness_problems(frame, artworks[key], seller)
        lowest.append(low)
    failing = {key: "; ".join(found) for key, found in problems.items() if found}
    return batch_result(SHARPNESS_CHECK, problems, len(variants), lowest_dpi=min(lowest) if lowest else 0.0), failing


def listing_check(listings: dict, seller: SellerSettings) -> tuple[AssetCheckResult, dict[str, str]]:
    problems = {key: listing_violations(listing, seller.listing) for key, listing in listings.items()}
    failing = {key: "; ".join(found) for key, found in problems.items() if found}
    return batch_result(LISTING_CHECK, problems, len(listings)), failing


def product_problems(frame: pd.DataFrame) -> list[str]:
    made = frame[frame["gelato_product_id"].notna()]
    missing = made[made["variants_on_product"] != made["variants_expected"]]
    live = made[made["status"] == "active"]
    unconnected = live[live["variants_connected"] != live["variants_on_product"]]
    return ([f"{row.template}: {row.variants_on_product} of {row.variants_expected} variants on the product"
             for row in missing.itertuples()]
            + [f"{row.template}: {row.variants_connected} of {row.variants_on_product} variants connected"
               for row in unconnected.itertuples()])


def products_check(frames: dict[str, pd.DataFrame]) -> AssetCheckResult:
    problems = {key: product_problems(frame) for key, frame in frames.items()}
    return batch_result(PRODUCTS_CHECK, problems, len(frames), products=sum(int(f["gelato_product_id"].notna().sum())
                                                            for f in frames.values()))
