"""The webhook receiver's answers, one bad input at a time: nothing is stored unless the
delivery is authentic, small, JSON and a known event; each event is stored once."""

import json

import httpx
import pytest
from starlette.testclient import TestClient

from pod_pipeline.catalog.postgres import PostgresCatalog
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.server import SandboxServer
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.webhooks.app import WEBHOOK_PATH, create_webhook_app

SECRET = "s3cret-value"
GOOD = {"id": "evt-1", "event": "store_product_updated", "storeProductId": "g-1", "storeId": "store",
        "status": "active", "externalId": "123", "variants": []}


@pytest.fixture
def catalog(tmp_path):
    return SqliteCatalog(tmp_path / "catalog.db")


@pytest.fixture
def client(catalog):
    return TestClient(create_webhook_app(lambda: catalog, SECRET, max_body_bytes=2048))


def post(client, body, secret=SECRET, **headers):
    if secret is not None:
        headers["signature"] = secret
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(WEBHOOK_PATH, content=data, headers=headers)


@pytest.mark.parametrize("secret, status", [(None, 401), ("wrong", 403), ("", 403), (SECRET + "x", 403)])
def test_missing_or_wrong_secret_is_refused_and_nothing_stored(client, catalog, secret, status):
    assert post(client, GOOD, secret=secret).status_code == status
    assert catalog.unprocessed_webhook_events() == []


@pytest.mark.parametrize("body, message", [
    (b"{not json", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    (json.dumps([GOOD]), "JSON object"),
    ({**GOOD, "event": "order_status_updated"}, "not a known Gelato event"),
    ({k: v for k, v in GOOD.items() if k != "storeProductId"}, "storeProductId"),
    ({k: v for k, v in GOOD.items() if k != "id"}, "id"),
    ({**GOOD, "storeProductId": 42}, "storeProductId"),
])
def test_malformed_bodies_get_400_with_the_reason(client, catalog, body, message):
    response = post(client, body)
    assert response.status_code == 400 and message in response.json()["error"]
    assert catalog.unprocessed_webhook_events() == []


def test_bodies_over_the_limit_get_413(client, catalog):
    response = post(client, {**GOOD, "description": "x" * 4096})
    assert response.status_code == 413
    assert catalog.unprocessed_webhook_events() == []


def test_each_event_is_stored_once(client, catalog):
    assert post(client, GOOD).status_code == 202
    assert post(client, GOOD).json() == {"duplicate": "evt-1"}
    assert post(client, {**GOOD, "id": "evt-2", "event": "store_product_deleted"}).status_code == 202
    stored = catalog.unprocessed_webhook_events()
    assert [(e.id, e.event, e.store_product_id) for e in stored] == [
        ("evt-1", "store_product_updated", "g-1"), ("evt-2", "store_product_deleted", "g-1")]
    assert stored[0].payload == GOOD
    catalog.mark_webhook_events_processed(["evt-1"])
    assert [e.id for e in catalog.unprocessed_webhook_events()] == ["evt-2"]


def test_template_events_are_accepted(client, catalog):
    response = post(client, {"id": "evt-t", "event": "store_product_template_updated", "templateId": "tmpl-1"})
    assert response.status_code == 202
    assert catalog.unprocessed_webhook_events()[0].store_product_id is None


def test_dashboard_test_events_are_answered_and_ignored(client, catalog):
    response = post(client, {**GOOD, "id": "{{MyEventId}}", "storeProductId": "{{MyProductId}}"})
    assert response.status_code == 200 and "ignored" in response.json()
    assert catalog.unprocessed_webhook_events() == []


def test_health_and_openapi(client):
    assert client.get("/health").json() == {"status": "ok"}
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.") and WEBHOOK_PATH in spec["paths"]
    assert set(spec["paths"][WEBHOOK_PATH]["post"]["responses"]) >= {"202", "400", "401", "403", "413"}


def test_an_empty_secret_cannot_start_the_receiver(catalog):
    with pytest.raises(ValueError, match="GELATO_WEBHOOK_SECRET"):
        create_webhook_app(lambda: catalog, "")


def test_postgres_catalog_stores_events_once(database_url):
    with PostgresCatalog(database_url) as db:
        client = TestClient(create_webhook_app(lambda: db, SECRET))
        assert post(client, GOOD).status_code == 202 and post(client, GOOD).status_code == 200
        assert [e.id for e in db.unprocessed_webhook_events()] == ["evt-1"]
        db.mark_webhook_events_processed(["evt-1"])
        assert db.unprocessed_webhook_events() == []


def test_the_sandbox_delivers_its_lifecycle_events_to_the_receiver(catalog):
    with BackgroundServer(create_webhook_app(lambda: catalog, SECRET)) as receiver:
        config = SandboxConfig(publish_delay_seconds=0.05, webhook_url=receiver.base_url + WEBHOOK_PATH,
                               webhook_secret=SECRET, webhook_retry_seconds=0.05)
        with SandboxServer(config) as sandbox, httpx.Client(headers={"X-API-KEY": config.api_key}) as http:
            store = sandbox.state.catalog.store_ids[0]
            template = "c12a363e-0d4e-4d96-be4b-bf4138eb8743"
            variants = sandbox.state.catalog.template_json(template)["variants"]
            body = {"templateId": template, "title": "T", "description": "D", "variants": [
                {"templateVariantId": v["id"], "imagePlaceholders": []} for v in variants]}
            created = http.post(f"{sandbox.base_url}/v1/stores/{store}/products:create-from-template", json=body)
            assert created.status_code in (200, 201), created.text
            product_id = created.json()["id"]
            for _ in range(200):
                events = [e.event for e in catalog.unprocessed_webhook_events() if e.store_product_id == product_id]
                if "store_product_updated" in events and len(events) >= 2:
                    break
                __import__("time").sleep(0.05)
    assert events[0] == "store_product_created" and "store_product_updated" in events


HOSTILE = [
    ("NUL in the id", '{"id": "evt-\\u0000-1", "event": "store_product_updated", "storeProductId": "g-1"}'),
    ("lone surrogate", '{"id": "evt-\\ud800-2", "event": "store_product_updated", "storeProductId": "g-\\udfff"}'),
    ("NUL deep inside", '{"id": "evt-3", "event": "store_product_updated", "storeProductId": "g-1", '
                        '"extra": {"note": "a\\u0000b"}}'),
]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
@pytest.mark.parametrize("name, body", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_events_with_nul_or_lone_surrogates_are_stored_not_500(kind, name, body, request, tmp_path):
    # Issue 13, item 13: 500 on Postgres, so Gelato gave up after three tries and the event was lost.
    if kind == "sqlite":
        store = SqliteCatalog(tmp_path / "catalog.db")
    else:
        from pod_pipeline.catalog.postgres import PostgresCatalog

        store = PostgresCatalog(request.getfixturevalue("database_url"))
    with TestClient(create_webhook_app(lambda: store, SECRET)) as hostile:
        answer = hostile.post("/gelato/webhooks", content=body.encode(),
                              headers={"signature": SECRET, "content-type": "application/json"})
        assert answer.status_code == 202, answer.text
        assert hostile.post("/gelato/webhooks", content=body.encode(),
                            headers={"signature": SECRET}).status_code == 200  # a redelivery: one row
    assert len(store.unprocessed_webhook_events()) == 1


def test_deeply_nested_json_gets_400_not_500(catalog):
    body = "[" * 100_000 + "]" * 100_000  # 200 kB: within the default body limit
    with TestClient(create_webhook_app(lambda: catalog, SECRET)) as client:
        answer = client.post("/gelato/webhooks", content=body.encode(), headers={"signature": SECRET})
        assert answer.status_code == 400 and "nested" in answer.json()["error"]
    assert catalog.unprocessed_webhook_events() == []


def test_a_newline_in_an_event_id_cannot_forge_a_log_line(client, caplog):
    forged = {**GOOD, "id": "evt-9\n2026-12-02 INFO pod_pipeline: payout sent to attacker"}
    with caplog.at_level("INFO"):
        assert post(client, forged).status_code == 202
    stored = [r.getMessage() for r in caplog.records if "stored" in r.getMessage()]
    assert stored and all("\n" not in line for line in stored)


def test_the_served_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    spec = client.get("/openapi.json").json()
    validate(spec)  # raises on a header without a schema, a POST without a request body, …
    post_op = spec["paths"]["/gelato/webhooks"]["post"]
    assert post_op["requestBody"]["required"] and post_op["parameters"][0]["schema"] == {"type": "string"}
