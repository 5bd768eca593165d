"""Migration 20261203000002 on a catalog that already holds products: every product stays, in
the store `main`; a second store's product of the same artwork and template fits beside it; a
store name the settings would refuse is refused by the database too."""

import uuid

import psycopg2
import pytest

from pod_pipeline.catalog.rows import product_id_for
from pod_pipeline.tools.db.migrate import apply_migrations
from pod_pipeline_tests.db.pg import connect, migrate_up_to

STORES = "20261203000002"


def test_existing_products_land_in_main_and_a_second_store_fits(empty_database_url, tmp_path):
    migrate_up_to(empty_database_url, STORES, tmp_path / "before")
    owner = str(uuid.uuid4())
    with connect(empty_database_url) as conn, conn.cursor() as cur:
        cur.execute("insert into public.artwork (id, user_id, path, version, status) "
                    "values ('image-1a2b3c4d', %s, %s, 'v1', 'published')", (owner, f"{owner}/image.png"))
        cur.execute("insert into public.product (id, artwork_id, template_id, user_id, status, gelato_product_id) "
                    "values (%s, 'image-1a2b3c4d', 'poster', %s, 'active', 'g-1')",
                    (product_id_for("image-1a2b3c4d", "poster"), owner))
        conn.commit()

    assert STORES in [v[:14] for v in apply_migrations(empty_database_url)]

    with connect(empty_database_url) as conn, conn.cursor() as cur:
        cur.execute("select id::text, store, gelato_product_id from public.product")
        assert cur.fetchall() == [(product_id_for("image-1a2b3c4d", "poster"), "main", "g-1")]
        cur.execute("insert into public.product (id, artwork_id, template_id, user_id, status, store) "
                    "values (%s, 'image-1a2b3c4d', 'poster', %s, 'pending', 'shop')",
                    (product_id_for("image-1a2b3c4d", "poster", "shop"), owner))
        conn.commit()
        for store in ("Shop", "../etc", "", "x" * 40):
            with pytest.raises(psycopg2.IntegrityError):
                cur.execute("insert into public.product (id, artwork_id, template_id, user_id, status, store) "
                            "values (%s, 'image-1a2b3c4d', 'mug', %s, 'pending', %s)", (str(uuid.uuid4()), owner, store))
            conn.rollback()
        with pytest.raises(psycopg2.IntegrityError):  # one product per artwork, template and store
            cur.execute("insert into public.product (id, artwork_id, template_id, user_id, status, store) "
                        "values (%s, 'image-1a2b3c4d', 'poster', %s, 'pending', 'shop')", (str(uuid.uuid4()), owner))
