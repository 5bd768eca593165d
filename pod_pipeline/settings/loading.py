"""Reading the settings file and turning validation errors into one readable message."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import yaml
from pydantic import ValidationError

from pod_pipeline.settings.model import SellerSettings

DEFAULT_SETTINGS_PATH = Path(__file__).with_name("default.yaml")
SETTINGS_ENV = "POD_SETTINGS"


class SettingsError(ValueError):
    """The settings file is missing, unreadable or invalid; the message names the bad fields."""


def _describe(error: ValidationError, source: Path) -> str:
    lines = [f"invalid settings in {source}:"]
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"  {field}: {item['msg']}")
    return "\n".join(lines)


def load_settings(path: str | os.PathLike | None = None) -> SellerSettings:
    """The settings in `path`. Sensors load them every tick and every step of a run loads them;
    the file is read each time (an edit counts at the next load), parsed only when it changed."""
    source = Path(path or os.environ.get(SETTINGS_ENV) or DEFAULT_SETTINGS_PATH)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {source}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(f"settings file {source} is not UTF-8 text: {exc}") from exc
    return _parse(str(source.absolute()), text)


@functools.lru_cache(maxsize=16)
def _parse(path: str, text: str) -> SellerSettings:
    """Frozen models, so one parsed copy is shared (YAML and validation are ~15 ms a file)."""
    source = Path(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SettingsError(f"settings file {source} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SettingsError(f"settings file {source} must hold a mapping of settings")
    try:
        settings = SellerSettings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(_describe(exc, source)) from exc
    return _anchor_paths(settings, source.parent)


def _anchor_paths(settings: SellerSettings, folder: Path) -> SellerSettings:
    """A relative rates_file means "next to the settings file", wherever the process runs."""
    fx = settings.pricing.fx
    if not fx.rates_file or Path(fx.rates_file).is_absolute():
        return settings
    anchored = fx.model_copy(update={"rates_file": str((folder / fx.rates_file).resolve())})
    pricing = settings.pricing.model_copy(update={"fx": anchored})
    return settings.model_copy(update={"pricing": pricing})
