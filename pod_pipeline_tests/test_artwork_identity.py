"""Issue 13, items 1, 3 and 4, through the real flow (upload sensor → runs → catalog) on both
catalogs: one upload can never take over another user's artwork, a failed new version leaves the
catalog saying what the store holds, and a re-upload's create goes out without waiting."""

from __future__ import annotations

import hashlib
import itertools
import time
import uuid
from pathlib import Path

import pytest
from dagster import DagsterEventType, RunsFilter, instance_for_test

from pod_pipeline.catalog.artwork_state import ArtworkIdentityError
from pod_pipeline.catalog.postgres import PostgresCatalog
from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, product_id_for
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.definitions import build_definitions
from pod_pipeline.tools.sensor_driver import SensorDriver
from pod_pipeline.defs.publishing.upload_sensor import with_recorded_ids
from pod_pipeline.storage.base import Upload, artwork_id_for
from pod_pipeline_tests.conftest import poster_only_settings
from pod_pipeline_tests.test_pipeline_flow import gradient_jpeg, run_until_quiet

CREATE = "POST /v1/stores/{storeId}/products:create-from-template"


def old_artwork_id(path: str) -> str:
    """The id before issue 13: a slug and 32 bits of the path's hash."""
    return artwork_id_for(path)[: -32] + hashlib.sha256(path.encode()).hexdigest()[:8]


def colliding_owners(name: str) -> tuple[str, str]:
    """Two owners (UUIDs, as Supabase user ids are) whose `<owner>/<name>` had the same old id:
    a birthday search over 32 bits, well under a second."""
    seen: dict[str, str] = {}
    for i in itertools.count(1):
        owner = str(uuid.UUID(int=i))
        key = old_artwork_id(f"{owner}/{name}")
        if key in seen:
            return seen[key], owner
        seen[key] = owner


@pytest.fixture(params=["sqlite", "postgres"])
def flow_env(request, pipeline_env, tmp_path):
    env = {**pipeline_env, "POD_SETTINGS": poster_only_settings(tmp_path)}
    if request.param == "postgres":
        env["POD_CATALOG_URL"] = request.getfixturevalue("database_url")
    return env


def open_catalog(env):
    url = env["POD_CATALOG_URL"]
    return SqliteCatalog(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else PostgresCatalog(url)


def test_ids_have_128_bits_and_a_32_bit_clash_no_longer_shares_one():
    first, second = colliding_owners("image.png")
    a, b = f"{first}/image.png", f"{second}/image.png"
    assert old_artwork_id(a) == old_artwork_id(b)  # the pair today's search finds
    assert artwork_id_for(a) != artwork_id_for(b)
    assert artwork_id_for(a).startswith("image-") and len(artwork_id_for(a).rsplit("-", 1)[1]) == 32


def test_another_users_upload_never_takes_over_an_artwork(flow_env, gelato_sandbox):
    first, second = colliding_owners("image.png")
    bucket = Path(flow_env["POD_BUCKET_DIR"])
    (bucket / first).mkdir(parents=True)
    gradient_jpeg(bucket / first / "image.png", 4200, 6000)
    defs = build_definitions(flow_env)
    catalog = open_catalog(flow_env)
    with instance_for_test() as instance:
        driver = SensorDriver(defs, instance, "upload_sensor")
        run_until_quiet(driver)
        mine = catalog.get_artwork(artwork_id_for(f"{first}/image.png"))
        assert mine.status == "published" and mine.user_id == first
        live = {p.id: p.gelato_product_id for p in catalog.products_for(mine.id)}
        assert live and all(live.values())

        (bucket / second).mkdir()
        gradient_jpeg(bucket / second / "image.png", 4400, 6200)  # the same name, a path whose old id clashed
        run_until_quiet(driver)

    theirs = catalog.get_artwork(artwork_id_for(f"{second}/image.png"))
    assert theirs.id != mine.id and theirs.user_id == second and theirs.status == "published"
    still_mine = catalog.get_artwork(mine.id)
    assert (still_mine.user_id, still_mine.path, still_mine.status) == (first, f"{first}/image.png", "published")
    assert {p.id: p.gelato_product_id for p in catalog.products_for(mine.id)} == live
    assert catalog.products_for(mine.id) and all(p.user_id == first for p in catalog.products_for(mine.id))
    assert all(gid in gelato_sandbox.state.products for gid in live.values())  # never deleted
    assert gelato_sandbox.call_counts().get("DELETE /v1/stores/{storeId}/products/{productId}", 0) == 0


def test_a_rejected_new_version_leaves_the_live_products_recorded(flow_env, gelato_sandbox):
    owner = str(uuid.uuid4())
    folder = Path(flow_env["POD_BUCKET_DIR"]) / owner
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
    artwork_id = artwork_id_for(f"{owner}/dunes.jpg")
    defs = build_definitions(flow_env)
    catalog = open_catalog(flow_env)
    with instance_for_test() as instance:
        driver = SensorDriver(defs, instance, "upload_sensor")
        run_until_quiet(driver)
        published = catalog.get_artwork(artwork_id)
        live = catalog.products_for(artwork_id)
        assert published.status == "published" and [p.status for p in live] == ["active"]

        time.sleep(0.01)  # a later mtime: a new version
        (folder / "dunes.jpg").write_bytes(b"not an image at all\n" * 10)
        assert run_until_quiet(driver) == 1

        artwork = catalog.get_artwork(artwork_id)
        # The store still sells the earlier version, and the catalog says so, and why the new one is not there.
        assert artwork.status == "published" and artwork.reason == published.reason
        assert artwork.new_version_status == "rejected" and "not an image" in artwork.new_version_reason
        # What the frontend shows of it is still the file the store sells.
        assert (artwork.checksum, artwork.width, artwork.preview_path) == \
            (published.checksum, published.width, published.preview_path)
        kept = catalog.products_for(artwork_id)
        assert [(p.status, p.gelato_product_id) for p in kept] == [("active", live[0].gelato_product_id)]
        assert live[0].gelato_product_id in gelato_sandbox.state.products

        # A good new version then replaces the product, at once: its claim was released with the
        # old product, so the create does not wait out the earlier create's lease (item 4).
        creates = gelato_sandbox.call_counts()[CREATE]
        time.sleep(0.01)
        gradient_jpeg(folder / "dunes.jpg", 4300, 6100)
        assert run_until_quiet(driver) == 1
        artwork = catalog.get_artwork(artwork_id)
        assert (artwork.status, artwork.new_version_status, artwork.width) == ("published", None, 4300)
        assert gelato_sandbox.call_counts()[CREATE] == creates + 1
        last = instance.get_runs(filters=RunsFilter(job_name="publish_artwork"), limit=1)[0]
        retries = [e for e in instance.all_logs(last.run_id) if e.dagster_event
                   and e.dagster_event.event_type == DagsterEventType.STEP_UP_FOR_RETRY]
        assert last.is_success and retries == []


@pytest.fixture(params=["sqlite", "postgres"])
def catalog(request, tmp_path):
    if request.param == "sqlite":
        return SqliteCatalog(tmp_path / "catalog.db")
    return PostgresCatalog(request.getfixturevalue("database_url"))


def test_an_artworks_owner_and_path_never_change(catalog):
    owner, intruder = str(uuid.uuid4()), str(uuid.uuid4())
    row = ArtworkRow(id="image-1", user_id=owner, path=f"{owner}/image.png", version="1", status="published")
    catalog.upsert_artwork(row)
    product = ProductRow(id=product_id_for("image-1", "poster"), artwork_id="image-1", template_id="poster",
                         user_id=owner, status="active", gelato_product_id="g-1")
    catalog.upsert_product(product)

    for taken in (row.model_copy(update={"user_id": intruder, "path": f"{intruder}/image.png"}),
                  row.model_copy(update={"user_id": intruder}), row.model_copy(update={"path": f"{owner}/other.png"})):
        with pytest.raises(ArtworkIdentityError):
            catalog.upsert_artwork(taken.model_copy(update={"version": "2"}))
    kept = catalog.get_artwork("image-1")
    assert (kept.user_id, kept.path, kept.version) == (owner, f"{owner}/image.png", "1")
    assert [(p.user_id, p.gelato_product_id) for p in catalog.products_for("image-1")] == [(owner, "g-1")]
    with pytest.raises(Exception, match="never change"):
        catalog.update_product(product.id, user_id=intruder)
    # The same owner and path update as before.
    catalog.upsert_artwork(row.model_copy(update={"version": "3"}))
    assert catalog.get_artwork("image-1").version == "3"


def test_the_database_itself_refuses_an_owner_change(catalog):
    owner, intruder = str(uuid.uuid4()), str(uuid.uuid4())
    catalog.upsert_artwork(ArtworkRow(id="a-1", user_id=owner, path=f"{owner}/a.png", version="1"))
    statement = "update {t}artwork set user_id = {p} where id = {p}"
    if isinstance(catalog, SqliteCatalog):
        import sqlite3

        with pytest.raises(sqlite3.IntegrityError, match="never change"), sqlite3.connect(catalog.path) as db:
            db.execute(statement.format(t="", p="?"), (intruder, "a-1"))
    else:
        import psycopg2

        with pytest.raises(psycopg2.IntegrityError, match="never change"), \
                psycopg2.connect(catalog.database_url) as conn, conn.cursor() as cur:
            cur.execute(statement.format(t="public.", p="%s"), (intruder, "a-1"))
    assert catalog.get_artwork("a-1").user_id == owner


def test_an_artwork_recorded_with_a_short_id_keeps_it(catalog):
    owner = str(uuid.uuid4())
    path = f"{owner}/sunset.png"
    catalog.upsert_artwork(ArtworkRow(id=old_artwork_id(path), user_id=owner, path=path, version="1"))
    upload = Upload(path=path, owner=owner, version="2", size=10, updated_at=ArtworkRow.model_fields["updated_at"]
                    .default_factory())
    fresh = Upload(path=f"{owner}/new.png", owner=owner, version="1", size=10, updated_at=upload.updated_at)
    resolved = with_recorded_ids([upload, fresh], catalog)
    assert [u.artwork_id for u in resolved] == [old_artwork_id(path), artwork_id_for(fresh.path)]
    assert resolved[0].run_key == f"{old_artwork_id(path)}@2"
