"""The `variants` asset: how the artwork prints on every variant of every template."""

import pandas as pd
from dagster import AssetExecutionContext, Failure, asset

from pod_pipeline.assets.artworks import Artwork
from pod_pipeline.gelato.models import Template
from pod_pipeline.partitions import artworks_partitions
from pod_pipeline.printability import template_verdict, variant_fit_rows
from pod_pipeline.resources import CatalogResource, SettingsResource
from pod_pipeline.settings import SellerSettings
from pod_pipeline.ui_metadata import table


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


@asset(partitions_def=artworks_partitions, group_name="artwork", kinds={"pandas"}, code_version="1")
def variants(context: AssetExecutionContext, artworks: Artwork, templates: dict[str, Template],
             settings: SettingsResource, catalog: CatalogResource) -> pd.DataFrame:
    """Print fit of the artwork on every template variant and placeholder.

    For each one: the effective dpi after the fit Gelato applies (slice crops, meet leaves
    margins), the aspect mismatch, and a verdict (pass ≥ target dpi, warn between minimum and
    target, fail below minimum or past the aspect limit). Gelato creates every variant of a
    template, so a template is published only when all its variants pass or warn; otherwise it
    is skipped with the reason (e.g. "70×100 cm needs 4134×5906 px at 150 dpi; artwork has …")."""
    seller = settings.load()
    missing = [t.id for t in seller.templates if t.id not in templates]
    if missing:
        raise Failure(f"templates {missing} are in the settings but not in the Gelato cache: "
                      "materialize `templates` (job refresh_gelato_cache) first", allow_retries=False)
    frame = fit_frame(templates, seller, artworks.width, artworks.height)

    summary = frame.groupby("template_id", sort=False).agg(
        template=("template_title", "first"), publishable=("template_publishable", "first"),
        variants=("template_variant_id", "nunique"), min_dpi=("effective_dpi", "min"),
        reason=("template_reason", "first"),
    ).reset_index()
    publishable_count = int(summary["publishable"].sum())
    context.add_output_metadata({
        "templates_publishable": publishable_count,
        "templates_skipped": int(len(summary) - publishable_count),
        "min_effective_dpi": float(frame["effective_dpi"].min()),
        "verdicts": table(summary),
        "variants": table(frame[["template_title", "variant_title", "placeholder", "effective_dpi",
                                 "aspect_mismatch", "verdict", "note"]]),
    })
    if publishable_count == 0:
        reasons = "; ".join(f"{r.template}: {r.reason}" for r in summary.itertuples())
        reason = f"not printable on any template — {reasons}"
        catalog.open().set_artwork_status(artworks.artwork_id, "rejected", reason)
        raise Failure(description=reason, metadata={"verdicts": table(summary)}, allow_retries=False)
    return frame
