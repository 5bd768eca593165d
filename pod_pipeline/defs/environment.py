"""Reading the environment into resources, with an error that names every missing or malformed
variable. Storage and catalog kinds are chosen independently of POD_MODE (which only decides
between the Gelato sandbox and the real Gelato), so Supabase can be tried against the sandbox."""

from __future__ import annotations

import logging
import math
import os
from typing import Any, Mapping
from urllib.parse import unquote, urlparse

from dagster import EnvVar

from pod_pipeline.defs.gelato_resource import GelatoResource
from pod_pipeline.defs.io_manager import PodIOManager
from pod_pipeline.defs.resources import (
    CatalogResource,
    CopywriterResource,
    SettingsResource,
    LocalStorageResource,
    StorageResource,
    SupabaseStorageResource,
    PartitionRetirementResource,
    UploadBatchingResource,
)
from pod_pipeline.defs.runs import MAX_BATCH_SIZE
from pod_pipeline.defs.storefronts.resource import StorefrontsResource
from pod_pipeline.ratelimit import ANTHROPIC, GELATO
from pod_pipeline.settings.mode import (
    DEMO,
    DEV_BUCKET_DIR,
    DEV_BUCKET_URL,
    DEV_CATALOG_URL,
    PRODUCTION_REQUIRED,
    SANDBOX_DEFAULT_KEY,
    SANDBOX_DEFAULT_URL,
    STAGING,
    ConfigurationError,
    current_mode,
)

STORAGE_KINDS = ("local", "supabase")
DEFAULT_SIGNED_URL_SECONDS = 6 * 3600  # Gelato fetches asynchronously: hours, not minutes

DEFAULT_STORAGE = "local"  # POD_STORAGE unset


def secret(env: Mapping[str, str], name: str) -> str | EnvVar:
    """A secret (key, or URL with a password) as Dagster should hold it: by variable name when it
    comes from the process environment, so the UI and run config never show the value. Callers
    that pass their own mapping (tests, the demo) get the literal."""
    value = env[name]
    return EnvVar(name) if os.environ.get(name) == value else value


def _is_url(value: str, schemes: tuple[str, ...]) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in schemes and bool(parsed.netloc)


def _problems_for_supabase(env: Mapping[str, str]) -> list[str]:
    problems = []
    if not env.get("SUPABASE_URL"):
        problems.append("SUPABASE_URL is not set (https://<project-ref>.supabase.co)")
    elif not _is_url(env["SUPABASE_URL"], ("https", "http")):
        problems.append("SUPABASE_URL must be an http(s) URL like https://<project-ref>.supabase.co")
    if not env.get("SUPABASE_SERVICE_ROLE_KEY"):
        problems.append("SUPABASE_SERVICE_ROLE_KEY is not set (Project settings → API → service_role)")
    db_url = env.get("SUPABASE_DB_URL")
    if db_url and not _is_url(db_url, ("postgresql", "postgres")):
        problems.append("SUPABASE_DB_URL must be a postgresql:// URL (the direct database connection)")
    seconds = env.get("POD_SIGNED_URL_SECONDS")
    if seconds is not None and (not seconds.isdigit() or int(seconds) < 600):
        problems.append("POD_SIGNED_URL_SECONDS must be a whole number of seconds, at least 600")
    return problems


def storage_resource(env: Mapping[str, str]) -> StorageResource:
    kind = env.get("POD_STORAGE", DEFAULT_STORAGE)
    if kind not in STORAGE_KINDS:
        raise ConfigurationError(f"POD_STORAGE must be one of {', '.join(STORAGE_KINDS)}, not {kind!r}")
    if kind == "local":
        demo = current_mode(env).name == DEMO
        return LocalStorageResource(local_root=env.get("POD_BUCKET_DIR", DEV_BUCKET_DIR),
                                    public_base_url=env.get("POD_BUCKET_URL") or (DEV_BUCKET_URL if demo else None))
    problems = _problems_for_supabase(env)
    if problems:
        raise ConfigurationError("POD_STORAGE=supabase: " + "; ".join(problems))
    return SupabaseStorageResource(
        supabase_url=env["SUPABASE_URL"],
        service_role_key=secret(env, "SUPABASE_SERVICE_ROLE_KEY"),
        bucket=env.get("SUPABASE_BUCKET", "artwork"),
        database_url=secret(env, "SUPABASE_DB_URL") if env.get("SUPABASE_DB_URL") else None,
        signed_url_seconds=int(env.get("POD_SIGNED_URL_SECONDS", DEFAULT_SIGNED_URL_SECONDS)),
    )


def catalog_resource(env: Mapping[str, str]) -> CatalogResource:
    url = env.get("POD_CATALOG_URL", DEV_CATALOG_URL)
    if url.startswith("sqlite:///"):
        return CatalogResource(url=url)
    if not _is_url(url, ("postgresql", "postgres")):
        raise ConfigurationError("POD_CATALOG_URL must be sqlite:///<path> or a postgresql:// URL")
    return CatalogResource(url=secret(env, "POD_CATALOG_URL"))


COPYWRITER_KINDS = ("offline", "claude")


def copywriter_resource(env: Mapping[str, str], mode: str) -> CopywriterResource:
    """POD_COPYWRITER overrides the settings file's choice; claude needs ANTHROPIC_API_KEY and
    honours ANTHROPIC_BASE_URL (any Messages-API-compatible endpoint)."""
    kind = env.get("POD_COPYWRITER") or None
    if kind is not None and kind not in COPYWRITER_KINDS:
        raise ConfigurationError(f"POD_COPYWRITER must be one of {', '.join(COPYWRITER_KINDS)}, not {kind!r}")
    if kind == "claude" and not env.get("ANTHROPIC_API_KEY"):
        raise ConfigurationError("POD_COPYWRITER=claude needs ANTHROPIC_API_KEY")
    base_url = env.get("ANTHROPIC_BASE_URL") or None
    if base_url and not _is_url(base_url, ("https", "http")):
        raise ConfigurationError("ANTHROPIC_BASE_URL must be an http(s) URL")
    anthropic_limit = rate_limit(env, ANTHROPIC)
    return CopywriterResource(
        kind=kind, mode=mode, base_url=base_url,
        api_key=secret(env, "ANTHROPIC_API_KEY") if env.get("ANTHROPIC_API_KEY") else None,
        cache_dir=env.get("POD_COPY_CACHE_DIR", ".pod/copy-cache"),
        **({"rate_per_minute": anthropic_limit[0] * 60, "rate_burst": anthropic_limit[1],
            "rate_limit_url": catalog_resource(env).url} if anthropic_limit else {}),
    )


def storefronts_resource(env: Mapping[str, str], mode: str) -> StorefrontsResource:
    """The marketplace clients' settings. The stand-ins' URLs count in demo mode only."""
    urls = {}
    for field, name in (("shopify_url", "POD_SHOPIFY_URL"), ("etsy_url", "POD_ETSY_URL")):
        value = env.get(name) or None
        if value and not _is_url(value, ("https", "http")):
            raise ConfigurationError(f"{name} must be an http(s) URL")
        urls[field] = value if mode == DEMO else None
    rate = _number(env, "POD_ETSY_RATE_PER_SECOND", 0.01, "a positive number of requests per second")
    return StorefrontsResource(mode=mode, rate_limit_url=catalog_resource(env).url, **urls,
                               **({"etsy_rate_per_second": rate} if rate else {}))


# Per API: the rate's variable and the seconds it counts over (each provider's own unit), and the
# burst's variable. Unset rate: no shared limit, and no database call per request.
RATE_LIMIT_VARIABLES = {
    GELATO: ("POD_GELATO_RATE_PER_SECOND", 1.0, "POD_GELATO_BURST"),
    ANTHROPIC: ("POD_ANTHROPIC_RATE_PER_MINUTE", 60.0, "POD_ANTHROPIC_BURST"),
}


def _number(env: Mapping[str, str], name: str, minimum: float, what: str) -> float | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < minimum or value <= 0:
        raise ConfigurationError(f"{name} must be {what}, not {text!r}")
    return value


def rate_limit(env: Mapping[str, str], api: str) -> tuple[float, float] | None:
    """(requests per second, burst) for `api`, shared by every worker on the catalog; None when
    unset. The burst defaults to one second's worth (at least 1): a provider that states a
    per-minute limit may still refuse a minute's worth sent at once."""
    rate_name, per_seconds, burst_name = RATE_LIMIT_VARIABLES[api]
    unit = "second" if per_seconds == 1 else "minute"
    rate = _number(env, rate_name, 0, f"a positive number of requests per {unit}")
    burst = _number(env, burst_name, 1, "a number of requests, at least 1")
    if rate is None:
        if burst is not None:
            raise ConfigurationError(f"{burst_name} is set but {rate_name} is not: a burst needs a rate")
        return None
    per_second = rate / per_seconds
    return per_second, burst if burst is not None else max(1.0, per_second)


def gelato_rate_limit(env: Mapping[str, str]) -> dict[str, Any]:
    """`GelatoResource` fields for the shared Gelato budget (none when POD_GELATO_RATE_PER_SECOND
    is unset); the budget lives in the catalog database, so workers sharing a catalog share it."""
    limit = rate_limit(env, GELATO)
    if limit is None:
        return {}
    return {"rate_per_second": limit[0], "rate_burst": limit[1], "rate_limit_url": catalog_resource(env).url}


def _whole(env: Mapping[str, str], name: str, default: int, maximum: int, what: str) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= maximum:
        raise ConfigurationError(f"{name} must be a whole number from 1 to {maximum} ({what}), not {text!r}")
    return int(text)


def batching_resource(env: Mapping[str, str]) -> UploadBatchingResource:
    return UploadBatchingResource(
        uploads_per_tick=_whole(env, "POD_SENSOR_MAX_UPLOADS", 50, 10_000, "uploads per sensor tick"),
        batch_size=_whole(env, "POD_BATCH_SIZE", 25, MAX_BATCH_SIZE, "new artworks per publishing run"),
    )


def retirement_resource(env: Mapping[str, str]) -> PartitionRetirementResource:
    return PartitionRetirementResource(
        retire_after_days=_whole(env, "POD_RETIRE_AFTER_DAYS", 30, 3650, "days before a settled artwork's partition "
                                 "is retired"))


def build_resources(env: Mapping[str, str] = os.environ) -> dict:
    mode = current_mode(env)
    common = {
        "settings": SettingsResource(path=env.get("POD_SETTINGS") or None, staged=mode.name == STAGING),
        "storage": storage_resource(env),
        "catalog": catalog_resource(env),
        "copywriter": copywriter_resource(env, mode.name),
        "batching": batching_resource(env),
        "retirement": retirement_resource(env),
        "storefronts": storefronts_resource(env, mode.name),
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
                f"POD_MODE={mode.name} needs {', '.join(missing)}; set it in the environment "
                f"(see .env.example) — {mode.name} never falls back to the sandbox"
            )
        check_staging_places(env, mode.name)
        gelato = GelatoResource(api_key=secret(env, "GELATO_API_KEY"),
                                ecommerce_url=env.get("GELATO_ECOMMERCE_URL", GelatoResource.model_fields["ecommerce_url"].default),
                                product_url=env.get("GELATO_PRODUCT_URL", GelatoResource.model_fields["product_url"].default),
                                refused_store_ids=production_stores_refused(env) if mode.name == STAGING else [],
                                **gelato_rate_limit(env))
    return {**common, "gelato": gelato}


def bucket_and_database(env: Mapping[str, str]) -> tuple[str, str]:
    """Where this environment's bucket and catalog database are, in full, so two Supabase projects
    (each with a database `postgres` and maybe a bucket `artwork`) are told apart:
    `<Supabase host>/<bucket>` and `<host>:<port>/<database>`; absolute paths when local."""
    if env.get("POD_STORAGE", DEFAULT_STORAGE) == "local":
        bucket = os.path.abspath(env.get("POD_BUCKET_DIR", DEV_BUCKET_DIR))
    else:
        bucket = f"{urlparse(env.get('SUPABASE_URL', '')).hostname or ''}/{env.get('SUPABASE_BUCKET', 'artwork')}"
    url = env.get("POD_CATALOG_URL", DEV_CATALOG_URL)
    if url.startswith("sqlite:///"):
        database = os.path.abspath(url.removeprefix("sqlite:///"))
    else:
        parts = urlparse(url)
        database = f"{parts.hostname or ''}:{parts.port or 5432}/{unquote(parts.path.lstrip('/'))}"
    return bucket, database


def check_staging_places(env: Mapping[str, str], mode: str) -> None:
    """Staging runs on the bucket and catalog database its settings name; production never on them."""
    from pod_pipeline.settings import load_settings

    try:
        staging = load_settings(env.get("POD_SETTINGS") or None).staging
    except (ValueError, OSError) as bad:
        if mode != STAGING:  # production loads on a broken settings file, so the UI can show what is wrong
            logging.getLogger(__name__).warning("settings unreadable, staging's places not checked: %s", bad)
            return
        raise ConfigurationError(f"POD_MODE={mode}: {bad}") from None
    bucket, database = bucket_and_database(env)
    if mode == STAGING:
        if staging is None or not staging.bucket or not staging.catalog_database:
            raise ConfigurationError("POD_MODE=staging: the settings' staging: section must name staging's own "
                                     "bucket and catalog_database (docs/operations.md, Staging)")
        if (bucket, database) != (staging.bucket, staging.catalog_database):
            raise ConfigurationError(
                f"POD_MODE=staging: this environment points at bucket {bucket!r} and catalog database {database!r}; "
                f"the settings name staging's as {staging.bucket!r} and {staging.catalog_database!r}")
        return
    if staging is not None and (bucket == staging.bucket or database == staging.catalog_database):
        raise ConfigurationError(f"POD_MODE={mode} points at staging's bucket or catalog database "
                                 f"({bucket!r}, {database!r}): production never writes into staging")


def production_stores_refused(env: Mapping[str, str]) -> list[str]:
    """The production store ids a staging run's Gelato client refuses; start-up stops here when
    the settings have no staging section, or one that names a production store."""
    from pod_pipeline.settings import load_settings

    try:
        seller = load_settings(env.get("POD_SETTINGS") or None)
        seller.staged()
    except ValueError as bad:
        raise ConfigurationError(f"POD_MODE=staging: {bad}") from None
    return sorted(seller.production_store_ids().values())
