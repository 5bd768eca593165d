"""The catalog both implementations are tested as: SQLite and Postgres, each holding one artwork
(`art-1` of `USER`)."""

import pytest

from pod_pipeline.catalog.postgres import PostgresCatalog
from pod_pipeline.catalog.rows import ArtworkRow
from pod_pipeline.catalog.sqlite import SqliteCatalog

USER = "6a0c3a8e-4d8b-4f43-9a51-5a3d3bb1c001"


@pytest.fixture(params=["sqlite", "postgres"])
def catalog(request, tmp_path):
    if request.param == "sqlite":
        db = SqliteCatalog(tmp_path / "catalog.db")
    else:
        db = PostgresCatalog(request.getfixturevalue("database_url"))
    db.upsert_artwork(ArtworkRow(id="art-1", user_id=USER, path=f"{USER}/a.png", version="v1"))
    yield db
