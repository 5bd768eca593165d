"""The seller's settings: one YAML file, validated by pydantic.

`load_settings()` reads the file named by `POD_SETTINGS` (or the bundled defaults) and raises
`SettingsError` whose message names every bad field by its dotted path.
"""

from pod_pipeline.settings.model import (
    CopywriterSettings,
    ListingRules,
    Market,
    PricingRules,
    PrintRules,
    SellerSettings,
    TemplateChoice,
)
from pod_pipeline.settings.loading import DEFAULT_SETTINGS_PATH, SettingsError, load_settings

__all__ = [
    "CopywriterSettings",
    "DEFAULT_SETTINGS_PATH",
    "ListingRules",
    "Market",
    "PricingRules",
    "PrintRules",
    "SellerSettings",
    "SettingsError",
    "TemplateChoice",
    "load_settings",
]
