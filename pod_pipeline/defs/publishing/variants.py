"""The `variants` asset: how the artwork prints on every variant of every template."""

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, BackfillPolicy, Failure, asset

from pod_pipeline.defs.publishing.batch import ArtworkBatch, by_artwork
from pod_pipeline.defs.publishing.checks import SHARPNESS_CHECK, sharpness_check
from pod_pipeline.gelato.models import Template
from pod_pipeline.defs.runs import MAX_BATCH_SIZE, artworks_partitions
from pod_pipeline.artwork.printability import template_verdict, variant_fit_rows
from pod_pipeline.defs.resources import CatalogResource, SettingsResource
from pod_pipeline.settings import SellerSettings
from pod_pipeline.defs.ui_metadata import table


def fit_frame(templates: dict[str, Template], seller: SellerSettings, width: int, height: int) -> pd.DataFrame:
    """Fit rows of a width × height artwork on every configured template, with each template's verdict."""
    frames = []
    for choice in seller.templates:
        template = templates[choice.id]
        rows = variant_fit_rows(template, width, height, seller.print_rules_for(choice.id),
                                choice.placeholders)
        publishable, reason = template_verdict(rows)
        if not rows:  # e.g. a placeholder name in the settings that the template does not have
            reason = f"no placeholder named {choice.placeholders} on any variant" if choice.placeholders else reason
            rows = [{"template_id": template.id, "template_title": template.title, "verdict": "fail",
                     "effective_dpi": 0.0, "aspect_mismatch": 0.0, "note": reason}]
        frame = pd.DataFrame(rows)
        frame["template_publishable"] = publishable
        frame["template_reason"] = reason
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def variants_metadata(frame: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    summary = frame.groupby("template_id", sort=False).agg(
        template=("template_title", "first"), publishable=("template_publishable", "first"),
        variants=("template_variant_id", "nunique"), min_dpi=("effective_dpi", "min"),
        reason=("template_reason", "first"),
    ).reset_index()
    publishable_count = int(summary["publishable"].sum())
    # What a person reads first comes first; figures rounded; ids last.
    verdicts = summary.assign(min_dpi=summary["min_dpi"].astype(float).round(0))[
        ["template", "publishable", "variants", "min_dpi", "reason", "template_id"]]
    shown = pd.DataFrame({
        "product": frame["template_title"], "variant": frame["variant_title"], "verdict": frame["verdict"],
        "dpi": frame["effective_dpi"].astype(float).round(0),
        "aspect mismatch %": (frame["aspect_mismatch"].astype(float) * 100).round(1),
        "print area": frame["placeholder"], "note": frame["note"]})
    return {
        "outcome": "ok" if publishable_count else "rejected",
        "templates_publishable": publishable_count,
        "templates_skipped": int(len(summary) - publishable_count),
        "min_effective_dpi": round(float(frame["effective_dpi"].min()), 1),
        "verdicts": table(verdicts),
        "variants": table(shown),
    }, summary


@asset(partitions_def=artworks_partitions, group_name="artwork", kinds={"pandas"}, code_version="1",
       ins={"artworks": AssetIn(metadata={"allow_missing_partitions": True})},
       backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=MAX_BATCH_SIZE),
       check_specs=[SHARPNESS_CHECK])
def variants(context: AssetExecutionContext, artworks, templates: dict[str, Template],
             settings: SettingsResource, catalog: CatalogResource):
    """Print fit of the artwork on every template variant and placeholder.

    For each one: the effective dpi after the fit Gelato applies (slice crops, meet leaves
    margins), the aspect mismatch, and a verdict (pass ≥ target dpi, warn between minimum and
    target, fail below minimum or past the aspect limit). Gelato creates every variant of a
    template, so a template is published only when all its variants pass or warn; otherwise it
    is skipped with the reason (e.g. "70×100 cm needs 4134×5906 px at 150 dpi; artwork has …").
    An artwork no template can print stops here, rejected with the reasons."""
    seller, db = settings.load(), catalog.open()
    missing = [t.id for t in seller.templates if t.id not in templates]
    if missing:
        raise Failure(f"templates {missing} are in the settings but not in the Gelato cache: "
                      "materialize `templates` (job refresh_gelato_cache) first", allow_retries=False)
    uploads = by_artwork(context, artworks)
    batch = ArtworkBatch(context, "variants")
    batch.skipped_upstream(uploads)
    for key, artwork in uploads.items():
        def work(artwork=artwork, key=key):
            frame = fit_frame(templates, seller, artwork.width, artwork.height)
            metadata, summary = variants_metadata(frame)
            batch.note(key, metadata)
            if not metadata["templates_publishable"]:
                reasons = "; ".join(f"{r.template}: {r.reason}" for r in summary.itertuples())
                reason = f"not printable on any template — {reasons}"
                db.set_artwork_status(key, "rejected", reason)
                raise Failure(description=reason, metadata={"verdicts": table(summary)}, allow_retries=False)
            return frame
        batch.run(key, work)
    check, too_soft = sharpness_check(batch.done, uploads, seller)
    batch.hold_back(check, too_soft, lambda key, reason: db.set_artwork_status(key, "failed", reason))
    yield from batch.results(check)
