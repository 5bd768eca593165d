"""The artwork check's public data: what a rejection says and what an accepted file is."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

REJECTION_CODES = (
    "unreadable",
    "empty",
    "too_large_file",
    "not_an_image",
    "unsupported_format",
    "decompression_bomb",
    "corrupt",
    "blank",
)

EXTENSIONS = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif")}


class ArtworkRejected(Exception):
    """The upload cannot be printed. `code` is a slug from `REJECTION_CODES`; `reason` is a
    sentence to show the seller as it is."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class ArtworkInfo:
    format: str  # "PNG" or "JPEG", from the content
    width: int  # as printed, i.e. after EXIF orientation
    height: int
    mode: str  # Pillow mode of the original, e.g. "RGB", "CMYK", "P", "I;16"
    bits_per_channel: int  # 8 or 16
    has_alpha: bool
    color_space: str  # "sRGB", "RGB (non-sRGB profile)", "CMYK" or "grayscale"
    icc_profile: bool
    exif_orientation: int  # 1..8 as found (invalid values are reported as 1, with a warning)
    size_bytes: int
    sha256: str
    warnings: tuple[str, ...] = ()
    print_ready: bool = True  # False: send `ProcessedArtwork.print_png`, not the original
    icc_profile_name: str | None = None

    @property
    def extension(self) -> str:
        """The extension that matches the content; name stored copies with it."""
        return EXTENSIONS[self.format][0]

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6

    def to_metadata(self) -> dict[str, object]:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        data["megapixels"] = round(self.megapixels, 2)
        return data


@dataclass(frozen=True)
class ProcessedArtwork:
    info: ArtworkInfo
    preview_jpeg: bytes = field(repr=False)  # sRGB JPEG, upright, alpha on white, ≤ preview_px
    print_png: bytes | None = field(repr=False)  # normalised print file, or None if print_ready
    dominant_colors: list[tuple[int, int, int]]  # most common first, 1-5 of them

