"""Dagster resources for the pipeline's parts, each with an embedded default and a production
implementation chosen by configuration (never by a missing key)."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import ClassVar

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from pod_pipeline.catalog.base import Catalog
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.defs.runs import MAX_BATCH_SIZE
from pod_pipeline.settings.mode import DEV_BUCKET_DIR, DEV_CATALOG_URL
from pod_pipeline.listing.copywriter import Copywriter
from pod_pipeline.listing.offline import OfflineCopywriter
from pod_pipeline.ratelimit import ANTHROPIC, Limit, RateLimiter, limiter_for
from pod_pipeline.settings import CopywriterSettings, ListingRules, SellerSettings, load_settings
from pod_pipeline.storage.base import ArtworkStorage
from pod_pipeline.storage.local import LocalFolderStorage


def plain(value):
    """A resource field's value wherever the resource is used. Secrets are held by variable name
    (`EnvVar`, see `environment.secret`): inside a run Dagster has already read them, but a
    command or server that builds the same resources outside Dagster (`webhooks`, `price-sheet`,
    `reconcile`) still holds the name, which is read here from the process environment."""
    return value.get_value() if isinstance(value, EnvVar) else value


class SettingsResource(ConfigurableResource):
    """The seller's settings file (POD_SETTINGS); the bundled example when unset."""

    path: str | None = Field(default=None, description="Path of the settings YAML.")
    staged: bool = Field(default=False, description="POD_MODE=staging: every store swapped for its staging twin.")

    def load(self) -> SellerSettings:
        seller = load_settings(self.path)
        return seller.staged() if self.staged else seller


class UploadBatchingResource(ConfigurableResource):
    """How the upload sensor cuts new uploads into runs: bounded work per tick (far from the
    60 s tick timeout on a bulk upload of thousands), and new artworks per range run (a run
    costs about a second of Dagster bookkeeping before any work)."""

    uploads_per_tick: int = Field(default=50, ge=1, description="Uploads handled per sensor tick (POD_SENSOR_MAX_UPLOADS).")
    batch_size: int = Field(default=25, ge=1, le=MAX_BATCH_SIZE,
                            description="New artworks per publishing run (POD_BATCH_SIZE; 1 = a run per artwork).")


class PartitionRetirementResource(ConfigurableResource):
    """When an artwork's partition is retired (`partition_retirement_sensor`): Dagster advises at
    most 100,000 partitions per asset, and most of a long-running shop's uploads end rejected or
    failed and are never touched again."""

    retire_after_days: int = Field(default=30, ge=1, le=3650, description=(
        "Days a rejected or failed artwork stays untouched before its partition is retired "
        "(POD_RETIRE_AFTER_DAYS); its catalog rows and its runs' history stay."))


class StorageResource(ConfigurableResource):
    """Where uploads live. Assets and sensors ask for this; the environment binds one of the two
    kinds below, so the UI's resource page and the Launchpad show only the fields that apply."""

    kind: ClassVar[str] = ""

    def open(self) -> ArtworkStorage:
        raise NotImplementedError(f"{type(self).__name__} is abstract: use LocalStorageResource or "
                                  "SupabaseStorageResource (POD_STORAGE)")


class LocalStorageResource(StorageResource):
    """A folder laid out like the Supabase bucket (`<owner>/<file>`), served at `public_base_url`."""

    kind: ClassVar[str] = "local"
    local_root: str = Field(default=DEV_BUCKET_DIR, description="Folder of the local bucket (POD_BUCKET_DIR).")
    public_base_url: str | None = Field(default=None, description="URL the local bucket is served at (POD_BUCKET_URL).")

    def open(self) -> ArtworkStorage:
        return LocalFolderStorage(self.local_root, self.public_base_url)


class SupabaseStorageResource(StorageResource):
    """The Supabase Storage bucket artists upload to; new uploads found through `storage.objects`
    on the direct database connection."""

    kind: ClassVar[str] = "supabase"
    supabase_url: str = Field(description="SUPABASE_URL.")
    service_role_key: str = Field(description="SUPABASE_SERVICE_ROLE_KEY (held by variable name).")
    bucket: str = Field(default="artwork", description="Storage bucket artists upload to (SUPABASE_BUCKET).")
    database_url: str | None = Field(default=None, description="SUPABASE_DB_URL, for the upload cursor.")
    signed_url_seconds: int = Field(default=6 * 3600, description="Life of the print-file URLs Gelato fetches.")

    def open(self) -> ArtworkStorage:
        from pod_pipeline.storage.supabase import SupabaseStorage

        return SupabaseStorage(supabase_url=self.supabase_url, service_role_key=plain(self.service_role_key),
                               bucket=self.bucket, database_url=plain(self.database_url),
                               signed_url_seconds=self.signed_url_seconds)


class CatalogResource(ConfigurableResource):
    """The catalog database the storefront reads: `sqlite:///path` (embedded) or the Supabase
    Postgres over a direct connection (`postgresql://…`)."""

    url: str = Field(default=DEV_CATALOG_URL, description="Catalog database URL (POD_CATALOG_URL).")

    def open(self) -> Catalog:
        return _catalog_for(plain(self.url))


@functools.cache
def _catalog_for(url: str) -> Catalog:
    """One catalog per URL per process: a run's assets share its Postgres connection instead of
    connecting once per asset (PostgresCatalog reconnects by itself after a fork)."""
    if url.startswith("sqlite:///"):
        return SqliteCatalog(Path(url.removeprefix("sqlite:///")))
    if url.startswith(("postgresql://", "postgres://")):
        from pod_pipeline.catalog.postgres import PostgresCatalog

        return PostgresCatalog(url)
    raise ValueError("the catalog URL is not supported: use sqlite:///<path> or postgresql://… (POD_CATALOG_URL)")


class CopywriterResource(ConfigurableResource):
    """Who writes listing copy: `offline` (deterministic, from the image and file name, no key)
    or `claude` (the Messages API looking at the image, cached by image + prompt + model).
    `kind` unset means the settings file decides."""

    kind: str | None = Field(default=None, description="POD_COPYWRITER: offline | claude; unset: settings.")
    mode: str = Field(default="demo", description="demo uses settings.copywriter.demo_model, else production_model.")
    api_key: str | None = Field(default=None, description="ANTHROPIC_API_KEY.")
    base_url: str | None = Field(default=None, description="ANTHROPIC_BASE_URL (any Messages-API endpoint).")
    cache_dir: str = Field(default=".pod/copy-cache", description="Where accepted copy is cached.")
    rate_per_minute: float | None = Field(
        default=None, gt=0, description="POD_ANTHROPIC_RATE_PER_MINUTE: Messages requests per minute for all "
                                        "workers sharing the catalog together; unset: no shared limit.")
    rate_burst: float | None = Field(default=None, ge=1, description="POD_ANTHROPIC_BURST; unset: one second's worth.")
    rate_limit_url: str | None = Field(default=None, description="The catalog database holding the shared "
                                                                 "budget (POD_CATALOG_URL); unset: per process.")

    def chosen_kind(self, settings: CopywriterSettings) -> str:
        return self.kind or settings.kind

    def get(self, rules: ListingRules, settings: CopywriterSettings | None = None) -> Copywriter:
        settings = settings or CopywriterSettings()
        kind = self.chosen_kind(settings)
        if kind == "offline":
            return OfflineCopywriter(rules)
        if kind == "claude":
            from pod_pipeline.listing.claude import CachedCopywriter, ClaudeCopywriter

            api_key = plain(self.api_key)
            if not api_key:
                raise ValueError("the claude copywriter needs ANTHROPIC_API_KEY (or POD_COPYWRITER=offline)")
            model = settings.demo_model if self.mode == "demo" else settings.production_model
            client = _checked_client(api_key, self.base_url, model)
            writer = ClaudeCopywriter(client, model, rules, max_tokens=settings.max_tokens,
                                      rate_limiter=self._rate_limiter())
            return CachedCopywriter(writer, Path(self.cache_dir))
        raise ValueError(f"copywriter {kind!r} is unknown: use offline or claude (POD_COPYWRITER)")

    def _rate_limiter(self) -> RateLimiter:
        limit = None
        if self.rate_per_minute is not None:
            per_second = self.rate_per_minute / 60
            limit = Limit(per_second, self.rate_burst or max(1.0, per_second), setting="POD_ANTHROPIC_RATE_PER_MINUTE")
        return limiter_for(plain(self.rate_limit_url), {ANTHROPIC: limit})


@functools.cache
def _checked_client(api_key: str, base_url: str | None, model: str):
    """One client per process, and the model's lifecycle checked once, not per artwork."""
    from pod_pipeline.listing.claude import build_client, check_model

    client = build_client(api_key, base_url)
    warning = check_model(client, model)
    if warning:
        logging.getLogger(__name__).warning(warning)
    return client
