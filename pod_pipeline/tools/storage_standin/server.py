"""The storage stand-in running on a background thread, with its own keys and file folder.

    with StorageStandin(database_url) as standin:
        SupabaseStorage(standin.url, standin.service_role_key, database_url=database_url)

`database_url` must point at a database with the storage schema (`create_storage_schema`, done
on enter unless `create_schema=False`) on a Postgres server; the bucket row is created too.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.tools.storage_standin.app import create_storage_app
from pod_pipeline.tools.storage_standin.keys import anon_key, new_jwt_secret, service_role_key, user_access_token
from pod_pipeline.tools.storage_standin.schema import create_storage_schema, ensure_bucket


class StorageStandin:
    def __init__(self, database_url: str, bucket: str = "artwork", public: bool = False,
                 files_dir: str | Path | None = None, jwt_secret: str | None = None,
                 create_schema: bool = True):
        self.database_url, self.bucket, self.public = database_url, bucket, public
        self.jwt_secret = jwt_secret or new_jwt_secret()
        self.service_role_key = service_role_key(self.jwt_secret)
        self.anon_key = anon_key(self.jwt_secret)
        self._files_dir = Path(files_dir) if files_dir else None
        self._own_files_dir: str | None = None
        self._create_schema = create_schema
        self._server: BackgroundServer | None = None

    @property
    def url(self) -> str:
        """What SUPABASE_URL would be (the storage API is under /storage/v1)."""
        if self._server is None:
            raise RuntimeError("the storage stand-in is not running")
        return self._server.base_url

    @property
    def files_dir(self) -> Path:
        if self._files_dir is None:
            raise RuntimeError("the storage stand-in is not running")
        return self._files_dir

    def user_token(self, user_id: str, expires_in: int = 3600) -> str:
        """A signed-in user's access token (role authenticated, sub = user_id)."""
        return user_access_token(self.jwt_secret, user_id, expires_in)

    def start(self) -> "StorageStandin":
        if self._create_schema:
            create_storage_schema(self.database_url)
        ensure_bucket(self.database_url, self.bucket, self.public)
        if self._files_dir is None:
            self._own_files_dir = tempfile.mkdtemp(prefix="pod-storage-standin-")
            self._files_dir = Path(self._own_files_dir)
        app = create_storage_app(self.database_url, self._files_dir, self.jwt_secret,
                                 api_keys=(self.anon_key, self.service_role_key))
        self._server = BackgroundServer(app, name="storage-standin").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()  # the app's lifespan closes its database connections
            self._server = None
        if self._own_files_dir is not None:
            shutil.rmtree(self._own_files_dir, ignore_errors=True)
            self._own_files_dir, self._files_dir = None, None

    def __enter__(self) -> "StorageStandin":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
