"""The whole pipeline in Supabase mode: artists upload through the Storage API (stand-in) into the
real local Postgres' storage.objects, the sensor finds them with the keyset cursor, runs publish
through the Gelato sandbox (which fetches signed URLs), and the catalog lands in the migrated
Supabase schema."""

from __future__ import annotations

import io
import sqlite3
import time

import httpx
import pytest
from dagster import instance_for_test
from PIL import Image

from pod_pipeline.catalog.postgres import PostgresCatalog
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.tools.db.migrate import apply_migrations
from pod_pipeline.definitions import build_definitions
from pod_pipeline.tools.sensor_driver import SensorDriver, follow_until_settled
from pod_pipeline.storage.base import artwork_id_for
from pod_pipeline.tools.storage_standin import StorageStandin, create_storage_schema, temporary_database
from pod_pipeline_tests.storage.conftest import ADMIN_URL, user_bucket
from pod_pipeline_tests.conftest import settings_file

ARTIST = "0a0a0a0a-0000-4000-8000-00000000000a"
SETTLE_SECONDS = 2.0  # SupabaseStorage waits this long before trusting a new upload's updated_at


@pytest.fixture
def supabase_database():
    with temporary_database(ADMIN_URL, prefix="pod_flow_test") as url:
        create_storage_schema(url)
        apply_migrations(url)
        yield url


def jpeg_bytes(width: int, height: int, tmp_path) -> bytes:
    path = tmp_path / f"{width}x{height}.jpg"
    Image.linear_gradient("L").resize((width, height)).convert("RGB").save(path, format="JPEG", quality=85)
    return path.read_bytes()


@pytest.mark.parametrize("catalog_kind", ["postgres", "sqlite"])
def test_uploads_to_the_bucket_become_live_products_in_the_supabase_catalog(supabase_database, gelato_sandbox,
                                                                             tmp_path, catalog_kind):
    with StorageStandin(supabase_database) as standin, httpx.Client(timeout=10) as http:
        bucket = user_bucket(standin, ARTIST, http)  # the artist's browser, under Storage RLS
        # As clients really upload: supabase-py (and supabase-js with a bare ArrayBuffer) send no
        # image type unless told, and Storage keeps text/plain; another client sends a wrong one.
        bucket.upload(f"{ARTIST}/dunes.jpg", jpeg_bytes(4200, 6000, tmp_path))
        bucket.upload(f"{ARTIST}/sea.png", jpeg_bytes(4800, 6000, tmp_path), {"content-type": "image/png"})
        bucket.upload(f"{ARTIST}/notes.png", b"buy milk\n", {"content-type": "image/png"})
        assert standin_sql(supabase_database, "select metadata->>'mimetype' from storage.objects where name = %s",
                           (f"{ARTIST}/dunes.jpg",)) == [("text/plain;charset=UTF-8",)]
        env = {
            "POD_MODE": "demo", "POD_SANDBOX_URL": gelato_sandbox.base_url, "GELATO_API_KEY": "sandbox-key",
            "POD_STORAGE": "supabase", "SUPABASE_URL": standin.url,
            "SUPABASE_SERVICE_ROLE_KEY": standin.service_role_key, "SUPABASE_DB_URL": supabase_database,
            "POD_CATALOG_URL": supabase_database, "POD_SETTINGS": settings_file(tmp_path),
        }
        if catalog_kind == "sqlite":
            env["POD_CATALOG_URL"] = f"sqlite:///{tmp_path / 'catalog.db'}"
        time.sleep(SETTLE_SECONDS + 0.2)
        trips_before, rows_before = PostgresCatalog.round_trips, PostgresCatalog.rows_changed
        with instance_for_test() as instance:
            defs = build_definitions(env)
            driver = SensorDriver(defs, instance, "upload_sensor")
            while driver.tick():
                pass
            follow_until_settled(defs, instance, timeout_seconds=30)
        round_trips = PostgresCatalog.round_trips - trips_before
        rows_changed = PostgresCatalog.rows_changed - rows_before

        catalog = (PostgresCatalog(supabase_database) if catalog_kind == "postgres"
                   else SqliteCatalog(str(tmp_path / "catalog.db")))
        good = catalog.get_artwork(artwork_id_for(f"{ARTIST}/dunes.jpg"))
        assert good.status == "published" and str(good.user_id) == ARTIST, good.reason
        products = catalog.products_for(good.id)
        assert len(products) == 3 and all(p.status == "active" and p.external_id for p in products)
        assert all(v.price and v.gelato_variant_id for p in products for v in catalog.variants_for(p.id))
        mislabelled = catalog.get_artwork(artwork_id_for(f"{ARTIST}/sea.png"))
        assert mislabelled.status == "published", mislabelled.reason
        # What Gelato was given is served as what it is (a JPEG), whatever the client sent.
        print_types = standin_sql(supabase_database, "select name, metadata->>'mimetype' from storage.objects "
                                                     "where name like %s", (f"{ARTIST}/_pipeline/%/print-%",))
        normalised = [kind for name, kind in print_types if "mm-" not in name]
        assert normalised == ["image/jpeg", "image/jpeg"]
        # ... and each print area's file (issue 17) is a PNG, served as one.
        per_area = [kind for name, kind in print_types if "mm-" in name]
        assert per_area and set(per_area) == {"image/png"}
        notes = catalog.get_artwork(artwork_id_for(f"{ARTIST}/notes.png"))
        assert notes.status == "rejected" and "not an image" in notes.reason

        # The preview went back to the bucket with its content type, into the artist's folder: the
        # frontend shows it with the artist's own token, at web size, cacheable.
        mimetype = standin_sql(supabase_database, "select metadata->>'mimetype' from storage.objects "
                                                  "where name = %s", (good.preview_path,))
        assert mimetype == [("image/jpeg",)] and good.preview_path.startswith(f"{ARTIST}/_pipeline/")
        preview = http.get(f"{standin.url}/storage/v1/object/authenticated/artwork/{good.preview_path}",
                           headers={"apikey": standin.anon_key,
                                    "Authorization": f"Bearer {standin.user_token(ARTIST)}"})
        assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
        assert preview.headers["cache-control"].startswith("max-age=") and len(preview.content) < 500_000
        with Image.open(io.BytesIO(preview.content)) as shown:
            assert max(shown.size) <= 1024 and shown.size[1] > shown.size[0]
        # Derived files never came back as uploads: three artworks, no more.
        if catalog_kind == "postgres":
            assert standin_sql(supabase_database, "select count(*) from artwork", ()) == [(3,)]
        else:
            with sqlite3.connect(tmp_path / "catalog.db") as db:
                assert db.execute("select count(*) from artwork").fetchall() == [(3,)]
        # Every catalog write of the run went through the direct connection, a few per product.
        published = len(products) + len(catalog.products_for(mislabelled.id))
        if catalog_kind == "sqlite":
            return
        assert 0 < round_trips / published < 25 and rows_changed > 0
        print(f"\ncatalog round trips per published product: {round_trips / published:.1f}; "
              f"rows changed per published product: {rows_changed / published:.1f}")


def standin_sql(url: str, statement: str, params: tuple) -> list[tuple]:
    from pod_pipeline_tests.storage.conftest import sql

    return sql(url, statement, params)
