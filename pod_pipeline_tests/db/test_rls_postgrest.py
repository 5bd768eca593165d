"""RLS through the real PostgREST 12 (what supabase-js in the seller's frontend talks to), with
HS256 JWTs minted for two users and for the service role. Every refused write is confirmed by
re-reading the row as the service role."""

import httpx
import pytest

from pod_pipeline_tests.db.pg import fresh_database
from pod_pipeline_tests.db.postgrest import postgrest, token
from pod_pipeline_tests.db.seed import USER_A, USER_B, seed

USER_TABLES = ("artwork", "product", "variant")
REFUSED = (401, 403)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """(base URL, seeded rows) of a PostgREST over a fresh, migrated, seeded database."""
    with fresh_database() as url:
        owned = seed(url)
        with postgrest(url, tmp_path_factory.mktemp("postgrest")) as base:
            yield base, owned


def client(base, role=None, sub=None):
    headers = {"Authorization": f"Bearer {token(role, sub)}"} if role else {}
    return httpx.Client(base_url=base, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def service(api):
    with client(api[0], "service_role") as c:
        yield c


@pytest.fixture(scope="module")
def user_a(api):
    with client(api[0], "authenticated", USER_A) as c:
        yield c


def owners(c, table, query=""):
    answer = c.get(f"/{table}?select=user_id{query}")
    assert answer.status_code == 200, answer.text
    return sorted({r["user_id"] for r in answer.json()})


def snapshot(service, owned):
    """Every user table's rows, as the service role sees them (to prove nothing changed)."""
    return {t: service.get(f"/{t}", params={"order": "user_id"}).json() for t in USER_TABLES}


def test_a_user_reads_only_their_own_rows(api, user_a):
    base, owned = api
    assert {t: owners(user_a, t) for t in USER_TABLES} == {t: [USER_A] for t in USER_TABLES}
    with client(base, "authenticated", USER_B) as user_b:
        assert {t: owners(user_b, t) for t in USER_TABLES} == {t: [USER_B] for t in USER_TABLES}


def test_a_user_cannot_read_anothers_rows(api, user_a):
    _, owned = api
    assert user_a.get("/product", params={"id": f"eq.{owned['B'].product}"}).json() == []
    assert user_a.get("/artwork", params={"user_id": f"eq.{USER_B}"}).json() == []
    assert user_a.get("/variant", params={"product_id": f"eq.{owned['B'].product}"}).json() == []
    for ledger in ("publish_intent", "gelato_event"):
        assert user_a.get(f"/{ledger}").status_code in REFUSED


@pytest.mark.parametrize("method, path, body", [
    ("PATCH", "/product?id=eq.{A}", {"status": "deleted"}),        # own row, pipeline-owned column
    ("PATCH", "/variant?product_id=eq.{A}", {"price": 0}),
    ("PATCH", "/artwork?user_id=eq.{userA}", {"status": "failed"}),
    ("PATCH", "/product?id=eq.{B}", {"title": "mine now"}),       # someone else's row
    ("DELETE", "/product?id=eq.{B}", None),
    ("DELETE", "/variant?product_id=eq.{A}", None),
    ("POST", "/artwork", {"id": "x", "user_id": "{userA}", "path": "p", "version": "1"}),
])
def test_a_user_writes_nothing(api, service, user_a, method, path, body):
    _, owned = api
    names = {"A": owned["A"].product, "B": owned["B"].product, "userA": USER_A}
    before = snapshot(service, owned)
    if body:
        body = {k: v.format(**names) if isinstance(v, str) else v for k, v in body.items()}
    answer = user_a.request(method, path.format(**names), json=body, headers={"Prefer": "return=representation"})
    # Refused outright (no write grant); a 2xx would have to have touched nothing.
    assert answer.status_code in REFUSED or answer.json() == [], answer.text
    assert snapshot(service, owned) == before


def test_anon_sees_nothing(api):
    with client(api[0]) as anon:
        for table in (*USER_TABLES, "publish_intent", "gelato_event"):
            answer = anon.get(f"/{table}")
            assert answer.status_code in REFUSED or answer.json() == [], (table, answer.text)


def test_a_forged_token_is_rejected(api):
    forged = token("service_role").rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    with httpx.Client(base_url=api[0], headers={"Authorization": f"Bearer {forged}"}) as c:
        assert c.get("/product").status_code == 401


def test_service_role_reads_and_writes_all(api, service):
    _, owned = api
    assert {t: owners(service, t) for t in USER_TABLES} == {t: sorted([USER_A, USER_B]) for t in USER_TABLES}
    assert len(service.get("/variant").json()) == 4
    assert len(service.get("/gelato_event").json()) == 2
    answer = service.patch("/artwork", params={"id": f"eq.{owned['B'].artwork}"}, json={"reason": "checked"},
                           headers={"Prefer": "return=representation"})
    assert answer.status_code == 200 and answer.json()[0]["reason"] == "checked", answer.text


def test_the_frontend_filters_by_store_and_still_sees_only_its_own(api, service, user_a):
    """Products name their store (several stores per seller): a filter by store returns the user's
    own products of that store, never another user's of the same store."""
    from pod_pipeline.catalog.rows import product_id_for

    _, owned = api
    for label in ("A", "B"):
        row = {"id": product_id_for(owned[label].artwork, "tpl", "shop"), "artwork_id": owned[label].artwork,
               "template_id": "tpl", "user_id": owned[label].user, "store": "shop", "status": "active",
               "title": f"Shop {label}"}
        answer = service.post("/product", json=row)
        assert answer.status_code == 201, answer.text
    mine = user_a.get("/product", params={"store": "eq.shop", "select": "title,store,user_id"}).json()
    assert mine == [{"title": "Shop A", "store": "shop", "user_id": owned["A"].user}]
    assert [r["store"] for r in user_a.get("/product", params={"select": "store", "order": "store"}).json()] == \
        ["main", "shop"]
    refused = service.post("/product", json={**row, "id": product_id_for(owned["B"].artwork, "tpl", "x"),
                                             "store": "Not A Name"})
    assert refused.status_code == 400  # the store name check holds for every writer
