"""Artwork files: validation and print normalisation (`inspection`), the demo's sample set
(`samples`) and a memory probe for the processing step (`memory_probe`)."""

from pod_pipeline.artwork.inspection import (
    REJECTION_CODES,
    ArtworkInfo,
    ArtworkRejected,
    ProcessedArtwork,
    inspect_artwork,
    process_artwork,
)

__all__ = [
    "REJECTION_CODES",
    "ArtworkInfo",
    "ArtworkRejected",
    "ProcessedArtwork",
    "inspect_artwork",
    "process_artwork",
]
