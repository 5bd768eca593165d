"""Staging: the real-service code paths (POD_MODE=staging) against Gelato stores of its own,
named in the settings' `staging:` section, with the bucket and the catalog database staging must
use (`bucket`, `catalog_database`): start-up checks SUPABASE_BUCKET and POD_CATALOG_URL against
them, and production refuses them.

A staging run publishes for real, so it must never reach a production store: every store of the
settings is swapped for its staging twin before anything reads it (`staged`), a staging store id
may not be any production store's id, and the Gelato client of a staging run refuses the
production ids outright (`GelatoClient(refused_store_ids=…)`), whatever asked for them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class StagingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stores: dict[str, str] = Field(
        min_length=1,
        description="Each store's staging Gelato store id, by store name (`main` without `stores`).")
    # A bucket and a database of staging's own, not a prefix and a schema: Storage's policies
    # take an upload's first folder as its owner (a prefix would be read as a user), and the
    # catalog's migrations, row-level security and Realtime publication live in `public`.
    bucket: str | None = Field(default=None, min_length=1, description=(
        "Staging's bucket, `<SUPABASE_URL host>/<SUPABASE_BUCKET>` (a local bucket: its folder's absolute path): "
        "POD_MODE=staging runs only on it; production refuses it."))
    catalog_database: str | None = Field(default=None, min_length=1, description=(
        "Staging's catalog database, `<host>:<port>/<database>` of POD_CATALOG_URL (SQLite: the file's absolute "
        "path): POD_MODE=staging runs only on it; production refuses it."))

    @field_validator("stores")
    @classmethod
    def _ids(cls, value: dict[str, str]) -> dict[str, str]:
        ids = [v.strip() for v in value.values()]
        if any(not i for i in ids):
            raise ValueError("a staging store id is empty")
        if len(ids) != len(set(ids)):
            raise ValueError("two stores share a staging store id")
        return {name: store_id.strip() for name, store_id in value.items()}


def check_against_production(staging: StagingSettings, production: dict[str, str]) -> None:
    """`production`: store name → Gelato store id. Every store needs a staging twin, and no twin
    may be a production store."""
    unknown = sorted(set(staging.stores) - set(production))
    if unknown:
        raise ValueError(f"staging.stores: {', '.join(unknown)} is not a store of these settings")
    missing = sorted(set(production) - set(staging.stores))
    if missing:
        raise ValueError(f"staging.stores needs a staging store id for {', '.join(missing)}")
    owners = {store_id: name for name, store_id in production.items()}
    for name, store_id in staging.stores.items():
        if store_id in owners:
            raise ValueError(f"staging.stores.{name} is {owners[store_id]}'s production store id: staging "
                             "must never publish to a production store")
