"""Which implementation of each part runs, decided by POD_MODE and visible in logs and the UI.

`demo` (the default) runs on embedded parts: the local bucket, a SQLite catalog, the Gelato
sandbox, the offline copywriter. `production` uses the real services and never falls back to a
stand-in: a missing variable stops start-up with an error that names it. `staging` is production's
code paths against the staging store(s) the settings name (`settings/staging.py`); it refuses
production's store ids. (Which resources each
mode builds: `defs/environment.py`.)"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping


class ConfigurationError(RuntimeError):
    """A variable or setting is missing or malformed; the message names it and what to set."""


DEMO, PRODUCTION, STAGING = "demo", "production", "staging"
SANDBOX_DEFAULT_URL = "http://127.0.0.1:8790"
# The embedded defaults are `pod-pipeline dev`'s layout, so `dagster dev` from the repository
# root and the doctor see what `pod-pipeline dev` runs, with nothing set.
DEV_HOME = ".pod/dev"
DEV_BUCKET_DIR = f"{DEV_HOME}/bucket"
DEV_BUCKET_PORT = 8791
DEV_BUCKET_URL = f"http://127.0.0.1:{DEV_BUCKET_PORT}/bucket"  # demo mode only: production names its own
DEV_CATALOG_URL = f"sqlite:///{DEV_HOME}/catalog.db"
SANDBOX_DEFAULT_KEY = "sandbox-key"
# Production (and staging) name every part explicitly: a default here would quietly be a stand-in.
PRODUCTION_REQUIRED = ("GELATO_API_KEY", "POD_STORAGE", "POD_CATALOG_URL", "POD_COPYWRITER")


@dataclass(frozen=True)
class Mode:
    name: str
    description: str


def current_mode(env: Mapping[str, str] = os.environ) -> Mode:
    name = env.get("POD_MODE", DEMO).strip().lower()
    if name == DEMO:
        return Mode(DEMO, "demo: Gelato sandbox; local bucket, SQLite catalog and offline copywriter unless configured")
    if name == PRODUCTION:
        return Mode(PRODUCTION, "production: real Gelato; storage, catalog and copywriter as configured")
    if name == STAGING:
        return Mode(STAGING, "STAGING: real Gelato on the staging stores (settings: staging), production stores "
                             "refused; storage, catalog and copywriter as configured")
    raise ConfigurationError(f"POD_MODE must be 'demo', 'staging' or 'production', not {name!r}")
