"""Migration 20261202000001 on a catalog that already holds artworks: every row and product stays,
and from then on the database refuses to hand an artwork, product or variant to another owner."""

import uuid

import psycopg2
import pytest

from pod_pipeline.tools.db.migrate import apply_migrations
from pod_pipeline_tests.db.pg import connect, migrate_up_to

IDENTITY = "20261202000001"


def test_existing_artworks_keep_their_products_and_owners_become_fixed(empty_database_url, tmp_path):
    migrate_up_to(empty_database_url, IDENTITY, tmp_path / "before")

    owner, intruder, product = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    with connect(empty_database_url) as conn, conn.cursor() as cur:
        cur.execute("insert into public.artwork (id, user_id, path, version, status) "
                    "values ('image-1a2b3c4d', %s, %s, 'v1', 'published')", (owner, f"{owner}/image.png"))
        cur.execute("insert into public.product (id, artwork_id, template_id, user_id, status, gelato_product_id) "
                    "values (%s, 'image-1a2b3c4d', 'poster', %s, 'active', 'g-1')", (product, owner))
        cur.execute("insert into public.variant (product_id, template_variant_id, title, product_uid) "
                    "values (%s, 'v-1', 'A3', 'uid')", (product,))
        conn.commit()

    assert IDENTITY in [v[:14] for v in apply_migrations(empty_database_url)]

    with connect(empty_database_url) as conn, conn.cursor() as cur:
        cur.execute("select a.id, a.user_id::text, a.status, p.gelato_product_id, v.user_id::text "
                    "from public.artwork a join public.product p on p.artwork_id = a.id "
                    "join public.variant v on v.product_id = p.id")
        assert cur.fetchall() == [("image-1a2b3c4d", owner, "published", "g-1", owner)]
        for statement, params in [
            ("update public.artwork set user_id = %s", (intruder,)),
            ("update public.artwork set path = %s", (f"{intruder}/image.png",)),
            ("update public.product set user_id = %s", (intruder,)),
            ("update public.variant set user_id = %s", (intruder,)),  # no product of that owner: refused by its key
        ]:
            with pytest.raises(psycopg2.IntegrityError):
                cur.execute(statement, params)
            conn.rollback()
        cur.execute("select user_id::text from public.artwork union all select user_id::text from public.product "
                    "union all select user_id::text from public.variant")
        assert {row[0] for row in cur.fetchall()} == {owner}
