"""RLS checked in SQL, the way PostgREST and Realtime apply it: inside a transaction, switch to
the request role and set the JWT claims, then read and try to write."""

import psycopg2
import pytest

from pod_pipeline_tests.db.pg import acting_as
from pod_pipeline_tests.db.seed import USER_A, USER_B, seed

USER_TABLES = ("artwork", "product", "variant")


@pytest.fixture
def owned(database_url):
    return seed(database_url)


def owners(cur, table):
    cur.execute(f"select distinct user_id::text from public.{table} order by 1")
    return [r[0] for r in cur.fetchall()]


def test_a_user_reads_only_their_own_rows(database_url, owned):
    for user in (USER_A, USER_B):
        with acting_as(database_url, "authenticated", user) as cur:
            assert {t: owners(cur, t) for t in USER_TABLES} == {t: [user] for t in USER_TABLES}
            cur.execute("select id::text from public.product where id = %s", (owned["B" if user == USER_A else "A"].product,))
            assert cur.fetchall() == []
    with acting_as(database_url, "authenticated") as cur:  # signed in, but no sub: nothing
        assert owners(cur, "product") == []


@pytest.mark.parametrize("statement", [
    "update public.product set status = 'deleted' where id = %(own)s",
    "update public.variant set price = 0 where product_id = %(own)s",
    "update public.artwork set status = 'failed' where id = %(own_artwork)s",
    "update public.product set title = 'mine now' where id = %(other)s",
    "delete from public.product where id = %(other)s",
    "delete from public.variant where product_id = %(own)s",
    "insert into public.artwork (id, user_id, path, version) values ('x', %(user)s, 'p', '1')",
    "select * from public.publish_intent",
    "select * from public.gelato_event",
])
def test_a_user_writes_nothing(database_url, owned, statement):
    params = {"own": owned["A"].product, "own_artwork": owned["A"].artwork, "other": owned["B"].product,
              "user": USER_A}
    with acting_as(database_url, "authenticated", USER_A) as cur:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(statement, params)


def test_anon_reads_nothing(database_url, owned):
    for table in (*USER_TABLES, "publish_intent", "gelato_event"):
        with acting_as(database_url, "anon", USER_A) as cur:  # even with a sub claim
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(f"select * from public.{table}")


def test_service_role_reads_and_writes_everything(database_url, owned):
    with acting_as(database_url, "service_role") as cur:
        assert {t: owners(cur, t) for t in USER_TABLES} == {t: sorted([USER_A, USER_B]) for t in USER_TABLES}
        cur.execute("update public.product set title = 'fixed' where id = %s returning updated_at > created_at",
                    (owned["B"].product,))
        assert cur.fetchall() == [(True,)]
        cur.execute("insert into public.variant (product_id, template_variant_id, title, product_uid) "
                    "values (%s, 'v9', 'V9', 'uid') returning user_id::text", (owned["B"].product,))
        assert cur.fetchall() == [(USER_B,)]  # owner filled in by the trigger
