"""Which implementation of each part runs, decided by POD_MODE and visible in logs and the UI.

`demo` (the default) runs on embedded parts: the local bucket, a SQLite catalog, the Gelato
sandbox, the offline copywriter. `production` uses the real services and never falls back to a
stand-in: a missing variable stops start-up with an error that names it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from pod_pipeline.gelato.resource import GelatoResource
from pod_pipeline.io_manager import PodIOManager
from pod_pipeline.environment import (
    ConfigurationError,
    catalog_resource,
    copywriter_resource,
    gelato_rate_limit,
    secret,
    storage_resource,
)
from pod_pipeline.resources import SettingsResource

DEMO, PRODUCTION = "demo", "production"
SANDBOX_DEFAULT_URL = "http://127.0.0.1:8790"
SANDBOX_DEFAULT_KEY = "sandbox-key"
# Production names every part explicitly: a default here would quietly be a stand-in.
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
    raise ConfigurationError(f"POD_MODE must be 'demo' or 'production', not {name!r}")


def build_resources(env: Mapping[str, str] = os.environ) -> dict:
    mode = current_mode(env)
    common = {
        "settings": SettingsResource(path=env.get("POD_SETTINGS") or None),
        "storage": storage_resource(env),
        "catalog": catalog_resource(env),
        "copywriter": copywriter_resource(env, mode.name),
        "io_manager": PodIOManager(),
    }
    if mode.name == DEMO:
        sandbox = env.get("POD_SANDBOX_URL", SANDBOX_DEFAULT_URL).rstrip("/")
        gelato = GelatoResource(
            api_key=env.get("GELATO_API_KEY", SANDBOX_DEFAULT_KEY),
            ecommerce_url=env.get("GELATO_ECOMMERCE_URL", f"{sandbox}/v1"),
            product_url=env.get("GELATO_PRODUCT_URL", f"{sandbox}/v3"),
            **gelato_rate_limit(env),
        )
    else:
        missing = [name for name in PRODUCTION_REQUIRED if not env.get(name)]
        if missing:
            raise ConfigurationError(
                f"POD_MODE=production needs {', '.join(missing)}; set it in the environment "
                "(see .env.example) — production never falls back to the sandbox"
            )
        gelato = GelatoResource(api_key=secret(env, "GELATO_API_KEY"),
                                ecommerce_url=env.get("GELATO_ECOMMERCE_URL", GelatoResource.model_fields["ecommerce_url"].default),
                                product_url=env.get("GELATO_PRODUCT_URL", GelatoResource.model_fields["product_url"].default),
                                **gelato_rate_limit(env))
    return {**common, "gelato": gelato}
