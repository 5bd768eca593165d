from __future__ import annotations

import pytest

from pod_pipeline.tools.sandbox import SandboxConfig, SandboxServer
from pod_pipeline_tests.sandbox.support import MUG, STORE_ID, api_client, create_product, image_bytes, wait_until

SECRET = "whsec-local-test"


@pytest.fixture
def hooked(file_host):
    config = SandboxConfig(
        publish_delay_seconds=0.2, webhook_url=file_host.url("/hooks/gelato"), webhook_secret=SECRET,
        webhook_retry_seconds=0.05,
    )
    with SandboxServer(config) as server:
        yield server


def create_mug(server, file_host):
    art = file_host.add("/hooks/art.png", image_bytes(), "image/png")
    with api_client() as client:
        response = create_product(client, server.ecommerce_url, {
            "templateId": MUG, "title": "Hooked", "description": "<p>x</p>",
            "variants": [{"templateVariantId": "296b94d0-2ace-4c4e-be9a-b0d392e929bb",
                          "imagePlaceholders": [{"name": "ImageFront", "fileUrl": art}]}]})
    assert response.status_code == 200
    return response.json()["id"]


def events_for(file_host, product_id):
    return [(h, e) for h, e in file_host.posted_json("/hooks/gelato") if e["storeProductId"] == product_id]


def test_each_transition_is_posted_with_the_static_secret_header(hooked, file_host):
    product_id = create_mug(hooked, file_host)
    wait_until(lambda: len(events_for(file_host, product_id)) == 4)
    delivered = events_for(file_host, product_id)
    assert [e["event"] for _, e in delivered] == ["store_product_created"] + ["store_product_updated"] * 3
    assert [e["status"] for _, e in delivered] == ["created", "publishing", "active", "active"]
    assert all(h.get("signature") == SECRET for h, _ in delivered)
    # Active first, not yet listed; the listing id and the connections come in a later event.
    activated, final = delivered[2][1], delivered[-1][1]
    assert not activated["externalId"] and all(v["connectionStatus"] == "not_connected" for v in activated["variants"])
    assert final["storeId"] == STORE_ID and final["externalId"] and final["title"] == "Hooked"
    assert final["id"] != product_id and len({e["id"] for _, e in delivered}) == 4  # event ids
    assert final["variants"] and all(v["connectionStatus"] == "connected" for v in final["variants"])
    assert {"createdAt", "updatedAt", "publishingErrorCode"} <= set(final)


def test_failed_deliveries_are_retried_then_given_up(hooked, file_host):
    file_host.post_statuses.extend([500, 503])  # the created event fails twice, then lands
    product_id = create_mug(hooked, file_host)
    wait_until(lambda: any(e["status"] == "active" for _, e in events_for(file_host, product_id)))
    wait_until(lambda: len(hooked.state.webhooks()) >= 3)
    log = {e["status"]: e for e in hooked.state.webhooks() if e["storeProductId"] == product_id}
    assert (log["created"]["attempts"], log["created"]["delivered"]) == (3, True)

    file_host.post_statuses.extend([500, 500, 500])  # three failures: the event is lost
    with api_client() as client:
        client.delete(f"{hooked.ecommerce_url}/stores/{STORE_ID}/products/{product_id}")
    wait_until(lambda: any(e["event"] == "store_product_deleted" for e in hooked.state.webhooks()))
    (deleted,) = [e for e in hooked.state.webhooks() if e["event"] == "store_product_deleted"]
    assert (deleted["attempts"], deleted["delivered"], deleted["lastError"]) == (3, False, "HTTP 500")
