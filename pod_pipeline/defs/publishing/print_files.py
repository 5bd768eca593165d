"""The `print_files` asset: a print-ready file for every distinct print area of the artwork."""

import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from dagster import (AssetCheckSpec, AssetExecutionContext, AssetIn, AssetObservation, BackfillPolicy, Config,
                     Failure, MetadataValue, asset)

from pod_pipeline.defs.publishing.artworks import IMAGE_THREADS, Artwork
from pod_pipeline.defs.publishing.batch import ArtworkBatch, by_artwork
from pod_pipeline.defs.publishing.checks import batch_result
from pod_pipeline.defs.resources import CatalogResource, SettingsResource, StorageResource
from pod_pipeline.defs.runs import MAX_BATCH_SIZE, artworks_partitions
from pod_pipeline.defs.ui_metadata import table
from pod_pipeline.gelato.models import Template
from pod_pipeline.print_files.areas import print_areas
from pod_pipeline.print_files.contact_sheet import contact_sheet
from pod_pipeline.print_files.decode import decode_print_file
from pod_pipeline.print_files.focal import Focal, estimate_focal
from pod_pipeline.print_files.render import render_all
from pod_pipeline.settings import SellerSettings
from pod_pipeline.storage.base import content_name

PRINT_FILES_CHECK = AssetCheckSpec(
    "print_files_fit_their_areas", asset="print_files",
    description="Every print file has its placeholder's aspect (within 0.5%, bleed aside) and, where the "
                "aspect can hold it, the subject inside its crop. Failing artworks stop before publishing.")
ASPECT_TOLERANCE = 0.005
EVENTS_LOCK = threading.Lock()


class PrintFilesConfig(Config):
    """A seller's focal box for an artwork, when the estimate (or Claude's) misses the subject:
    `{artwork id: [x0, y0, x1, y1]}` in fractions of the width and height. Re-publish after."""

    focal: dict[str, list[float]] = {}


@dataclass(frozen=True)
class PlacedFile:
    """One print file and the placeholders it serves."""

    area: str
    path: str
    width_mm: float
    height_mm: float
    bleed_mm: float
    width_px: int
    height_px: int
    bleed_px: int
    effective_dpi: float
    fit_method: str
    uses: tuple[tuple[str, str, str, str], ...]  # (template id, template variant id, placeholder, print area)
    crop_loss: float
    cut: str
    focal_inside: bool
    focal_fits: bool


def areas_for(variants: pd.DataFrame, templates: dict[str, Template], seller: SellerSettings):
    """The print areas of the templates this artwork is published to."""
    publishable = set(variants.loc[variants["template_publishable"], "template_id"])
    return print_areas([(templates[choice.id], seller.print_rules_for(choice.id).fit_method, choice.placeholders,
                         choice.product_type) for choice in seller.templates if choice.id in publishable])


def focal_for(artwork_id: str, config: PrintFilesConfig, listing, image, log) -> Focal:
    """The seller's box (run config), else the copywriter's (Claude saw the image), else an estimate."""
    if artwork_id in config.focal:
        try:
            return Focal.from_list(config.focal[artwork_id], "seller")
        except (TypeError, ValueError) as bad:
            raise Failure(f"focal box for {artwork_id}: {bad}", allow_retries=False) from None
    box = getattr(listing, "subject_box", None)
    if box is not None:
        try:
            return Focal.from_list(box, "copywriter")
        except (TypeError, ValueError) as bad:  # a model's slip costs only its box
            log.warning(f"{artwork_id}: the copywriter's subject box {str(box)[:80]} is unusable ({bad}); "
                        "estimating it")
    return estimate_focal(image)


def file_problems(placed: list[PlacedFile]) -> list[str]:
    problems = []
    for f in placed:
        trim_w, trim_h = f.width_px - 2 * f.bleed_px, f.height_px - 2 * f.bleed_px
        want, got = f.width_mm / f.height_mm, trim_w / trim_h
        if abs(got - want) > ASPECT_TOLERANCE * want:
            problems.append(f"{f.area}: aspect {got:.4f}, the area's is {want:.4f}")
        if f.focal_fits and not f.focal_inside:
            problems.append(f"{f.area}: the crop could hold the subject but cuts it")
    return problems


def make_print_files(artwork: Artwork, variants: pd.DataFrame, listing, templates, seller, config, bucket,
                     context) -> tuple[list[PlacedFile], dict]:
    areas = areas_for(variants, templates, seller)
    with tempfile.TemporaryDirectory(prefix="pod-print-") as folder:
        local = bucket.download(artwork.print_path, Path(folder) / "print")
        image = decode_print_file(local, seller.print.max_pixels)
    try:
        focal = focal_for(artwork.artwork_id, config, listing, image, context.log)
        placed, crops = [], []
        for made in render_all(image, areas, focal, seller.print.target_dpi):
            name = content_name(f"print-{made.area.key}", made.data, made.extension)
            path = bucket.put_derived(artwork.artwork_id, name, made.data, made.content_type, owner=artwork.owner)
            placed.append(PlacedFile(
                area=made.area.key, path=path, width_mm=made.area.width_mm, height_mm=made.area.height_mm,
                bleed_mm=made.area.rule.bleed_mm, width_px=made.width_px, height_px=made.height_px,
                bleed_px=made.bleed_px, effective_dpi=made.effective_dpi, fit_method=made.area.fit_method,
                uses=tuple((u.template_id, u.template_variant_id, u.placeholder, u.print_area) for u in made.area.uses),
                crop_loss=round(made.crop.loss, 4), cut=made.crop.describe(), focal_inside=made.crop.focal_inside,
                focal_fits=made.crop.focal_fits))
            crops.append((made.area.key, made.crop))
        sheet = contact_sheet(image, crops, focal)
    finally:
        image.close()
    sheet_path = bucket.put_derived(artwork.artwork_id, content_name("contact-sheet", sheet, ".png"), sheet,
                                    "image/png", owner=artwork.owner)
    sheet_url = bucket.print_file_url(sheet_path)
    frame = pd.DataFrame([{
        "print area": f.area, "size mm": f"{f.width_mm:g}×{f.height_mm:g}", "bleed mm": f.bleed_mm,
        "pixels": f"{f.width_px}×{f.height_px}", "dpi": round(f.effective_dpi), "crop loss %": round(100 * f.crop_loss, 1),
        "cut": f.cut, "subject kept": f.focal_inside, "placeholders": len(f.uses), "file": f.path} for f in placed])
    metadata = {
        "outcome": "ok", "files": len(placed), "placeholders": sum(len(f.uses) for f in placed),
        "min_effective_dpi": round(min(f.effective_dpi for f in placed), 1) if placed else 0.0,
        "focal_box": MetadataValue.json({"box": focal.as_list(), "from": focal.source}),
        "print_files": table(frame),
        "contact_sheet": MetadataValue.md(f"![every crop over the artwork]({sheet_url})"),
    }
    # The variants partition shows the crops too: a person checks them where the fit is judged.
    with EVENTS_LOCK:  # artworks of a batch are rendered on threads; the step's events are one list
        context.log_event(AssetObservation(asset_key="variants", partition=artwork.artwork_id,
                                           description="the print areas' crops, drawn by print_files",
                                           metadata={"contact_sheet": metadata["contact_sheet"],
                                                     "focal_box": metadata["focal_box"]}))
    return placed, metadata


@asset(partitions_def=artworks_partitions, group_name="artwork", kinds={"pillow"}, code_version="1",
       ins={name: AssetIn(metadata={"allow_missing_partitions": True}) for name in ("artworks", "variants", "listing")},
       backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=MAX_BATCH_SIZE),
       check_specs=[PRINT_FILES_CHECK])
def print_files(context: AssetExecutionContext, config: PrintFilesConfig, artworks, variants, listing,
                templates: dict[str, Template], storage: StorageResource, settings: SettingsResource,
                catalog: CatalogResource):
    """A print-ready file for every distinct print area the artwork is published on.

    Gelato would otherwise get one file for every placeholder and crop it itself, centred: heads
    cut off, text cut in half. Here each placeholder size gets its own file: cropped to the
    placeholder's aspect around the subject (a seller's focal box from the run config, else the
    box Claude returned with the listing copy, else a local saliency estimate), sized for it at the target dpi (never upscaled: the effective dpi
    says what it is), in sRGB, PNG with transparency for apparel or JPEG, with 4 mm of bleed on
    wall art (from the artwork beyond the crop, else mirrored). Placeholders of one size share a
    file. The contact sheet shows every crop over the artwork, on this partition and on
    `variants`."""
    seller, bucket, db = settings.load(), storage.open(), catalog.open()
    uploads, fits, listings = by_artwork(context, artworks), by_artwork(context, variants), by_artwork(context, listing)
    batch = ArtworkBatch(context, "print_files")
    batch.skipped_upstream(listings)
    problems: dict[str, list[str]] = {}

    def one(key: str) -> None:
        def work():
            placed, metadata = make_print_files(uploads[key], fits[key], listings[key], templates, seller, config,
                                                bucket, context)
            problems[key] = file_problems(placed)
            batch.note(key, metadata)
            return placed
        batch.run(key, work)

    # Pillow releases the GIL while it resizes and zlib while it compresses: a batch's artworks
    # render side by side, two at most (each holds its decoded artwork).
    with ThreadPoolExecutor(max_workers=IMAGE_THREADS, thread_name_prefix="print-files") as pool:
        list(pool.map(one, listings))
    check = batch_result(PRINT_FILES_CHECK, problems, len(problems))
    failing = {key: "; ".join(p) for key, p in problems.items() if p and key in batch.done}
    batch.hold_back(check, failing, lambda key, reason: db.set_artwork_status(key, "failed", reason))
    yield from batch.results(check)
