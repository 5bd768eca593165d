"""A local stand-in for the Supabase Storage HTTP API (the real storage server cannot be
installed here): objects in a real Postgres `storage.objects`, bytes in a folder. For tests and
benchmarks only; production talks to Supabase."""

from pod_pipeline.tools.storage_standin.app import STORAGE_PREFIX, create_storage_app
from pod_pipeline.tools.storage_standin.database import DEFAULT_ADMIN_URL, temporary_database
from pod_pipeline.tools.storage_standin.keys import anon_key, mint_jwt, service_role_key, user_access_token
from pod_pipeline.tools.storage_standin.schema import STORAGE_SCHEMA_SQL, create_storage_schema, ensure_bucket
from pod_pipeline.tools.storage_standin.server import StorageStandin

__all__ = [
    "STORAGE_PREFIX", "STORAGE_SCHEMA_SQL", "DEFAULT_ADMIN_URL", "StorageStandin", "anon_key", "create_storage_app",
    "create_storage_schema", "ensure_bucket", "mint_jwt", "service_role_key", "temporary_database",
    "user_access_token",
]
