"""Decisions taken once per file, before any band flows: what the header says (`Facts`), and
how stored pixels become print pixels (`Plan`), with the seller-facing words for each change."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from pod_pipeline.artwork import colour


@dataclass(frozen=True)
class Facts:
    """What the header says, before any pixel is decoded."""

    format: str
    mode: str
    bits: int
    profile: colour.Profile | None
    has_key: bool  # a tRNS colour key / palette transparency, turned into alpha for print
    animated: bool

    @property
    def profile_is_usable(self) -> bool:
        return self.profile is not None and self.profile.readable and colour.profile_fits(self.profile, self.mode)

    @property
    def has_foreign_rgb_profile(self) -> bool:
        return self.profile_is_usable and self.profile.space == "RGB" and not self.profile.is_srgb

    def needs_print_file(self, orientation: int, converts_profile: bool) -> bool:
        profile_trouble = self.profile is not None and not self.profile_is_usable
        return (self.mode not in colour.PRINT_MODES or self.bits != 8 or self.has_key or self.animated
                or orientation != 1 or profile_trouble or converts_profile)


@dataclass
class Plan:
    """How a band of stored pixels becomes a band of print pixels."""

    target: str  # print mode: RGB, RGBA, L or LA
    orientation: int
    transform: object | None = None  # ImageCms transform to sRGB, built once
    converts_profile: bool = False  # an RGB profile is converted (a reason for a print file)

    def convert(self, band: Image.Image) -> Image.Image:
        band = colour.upright(band, self.orientation)
        if band.mode == "CMYK":
            return colour.apply_transform(band, self.transform) if self.transform else band.convert("RGB")
        band = colour.to_mode(band, self.target)
        return colour.apply_transform(band, self.transform) if self.transform else band


def colour_space(facts: Facts) -> str:
    if facts.mode == "CMYK":
        return "CMYK"
    if facts.mode in ("L", "LA", "1") or facts.mode.startswith("I"):
        return "grayscale"
    if facts.has_foreign_rgb_profile:
        return "RGB (non-sRGB profile)"
    return "sRGB"  # untagged RGB is sRGB by web and print-provider convention


def plan_conversions(facts: Facts, orientation: int, warnings: list[str]) -> Plan:
    """Decide the conversions (and word their warnings) once, before the bands flow."""
    warn = warnings.append
    profile = facts.profile
    plan = Plan(target=colour.target_mode(facts.mode, facts.has_key), orientation=orientation)
    if profile is not None and not profile.readable:
        warn("the embedded colour profile is unreadable; it was dropped and the colours treated as sRGB")
    elif profile is not None and not facts.profile_is_usable:
        warn(f"the embedded colour profile ({profile.name or profile.space}) does not match the "
             f"{facts.mode} image data; it was dropped")

    if facts.mode == "CMYK":
        problem = None
        if facts.profile_is_usable:
            plan.transform, problem = colour.srgb_transform(profile, "CMYK")
        if plan.transform:
            warn(f"CMYK artwork converted to sRGB for print using its colour profile "
                 f"({profile.name or 'unnamed'}); check the preview, some colours may shift")
        else:
            why = f" (its profile could not be used: {problem})" if problem else " without a colour profile"
            warn(f"CMYK artwork converted to sRGB for print{why}, by a plain formula; colours may "
                 "differ from your design software, check the preview")
    elif facts.mode != plan.target:
        warn(_mode_change_words(facts, plan.target))
    if facts.bits == 16 and not facts.mode.startswith("I"):
        warn("16-bit PNG converted to 8 bits per channel for print (no visible difference)")

    if facts.has_foreign_rgb_profile:
        name = profile.name or "unnamed"
        plan.transform, problem = colour.srgb_transform(profile, plan.target)
        plan.converts_profile = plan.transform is not None
        if problem:
            warn(f"the colour profile {name!r} could not be converted to sRGB ({problem}); the file "
                 "is sent as it is and colours may shift in print")
        else:
            warn(f"colours converted from the embedded profile {name!r} to sRGB for print")
    return plan


def _mode_change_words(facts: Facts, target: str) -> str:
    if facts.mode == "P":
        return f"palette (indexed-colour) image converted to {target} for print"
    if facts.mode == "1":
        return "1-bit black-and-white image converted to 8-bit grayscale for print"
    if facts.mode.startswith("I"):
        return "16-bit grayscale PNG converted to 8-bit grayscale for print (no visible difference)"
    if facts.has_key:
        return "the PNG's transparent colour key was converted to an alpha channel for print"
    return f"{facts.mode} image converted to {target} for print"
