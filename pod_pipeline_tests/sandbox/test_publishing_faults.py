"""The fault knobs for publishing exactly once: timeouts, creates whose response is lost,
publishing errors, products stuck publishing, and webhooks dropped, duplicated and reordered."""

from __future__ import annotations

import time

import httpx
import pytest

from pod_pipeline.tools.sandbox import SandboxConfig, SandboxServer
from pod_pipeline_tests.sandbox.support import STORE_ID, api_client, wait_until
from pod_pipeline_tests.sandbox.test_webhooks import create_mug, events_for

CREATE_BODY_TEMPLATE = "5b0e7d41-2c8a-4f63-b9d7-a6e1c30f9d25"


def products(server) -> list[dict]:
    with api_client() as client:
        return client.get(f"{server.ecommerce_url}/stores/{STORE_ID}/products").json()["products"]


def test_a_timeout_processes_nothing(file_host):
    with SandboxServer(SandboxConfig(publish_delay_seconds=0.1, rate_timeout=1.0, hang_seconds=5)) as server:
        with api_client() as client, pytest.raises(httpx.ReadTimeout):
            client.get(f"{server.ecommerce_url}/templates/{CREATE_BODY_TEMPLATE}", timeout=0.3)
        server.set_faults(rate_timeout=0.0)
        assert products(server) == []


def test_a_lost_create_response_still_made_the_product(file_host):
    with SandboxServer(SandboxConfig(publish_delay_seconds=0.1, rate_lost_create=1.0, hang_seconds=0.2)) as server:
        with pytest.raises(AssertionError):  # create_mug asserts a 200: the caller got a 504
            create_mug(server, file_host)
        made = products(server)
        assert len(made) == 1 and made[0]["title"] == "Hooked"  # but the product exists


def test_injected_publishing_errors_and_stuck_products(file_host):
    config = SandboxConfig(publish_delay_seconds=0.05, rate_publishing_error=1.0)
    with SandboxServer(config) as server:
        product_id = create_mug(server, file_host)
        wait_until(lambda: products(server)[0]["status"] == "publishing_error")
        assert products(server)[0]["publishingErrorCode"] == "sandbox_injected_publishing_error"

        server.set_faults(rate_publishing_error=0.0, rate_stuck_publishing=1.0, stuck_seconds=60)
        stuck = create_mug(server, file_host)
        time.sleep(0.5)
        status = {p["id"]: p["status"] for p in products(server)}
        assert status[stuck] == "publishing" and status[product_id] == "publishing_error"


@pytest.mark.parametrize("knobs, check", [
    ({"rate_webhook_drop": 1.0}, lambda events, log: events == [] and all(e["lastError"] == "dropped (fault)" for e in log)),
    ({"rate_webhook_duplicate": 1.0}, lambda events, log: len(events) == 6 and len({e["id"] for e in events}) == 3),
])
def test_webhooks_dropped_or_duplicated(file_host, knobs, check):
    config = SandboxConfig(publish_delay_seconds=0.1, webhook_url=file_host.url("/hooks/gelato"),
                           webhook_secret="x", webhook_retry_seconds=0.05, **knobs)
    with SandboxServer(config) as server:
        product_id = create_mug(server, file_host)
        wait_until(lambda: len([e for e in server.state.webhooks() if e["storeProductId"] == product_id]) >= 3)
        time.sleep(0.3)
        events = [e for _, e in events_for(file_host, product_id)]
        log = [e for e in server.state.webhooks() if e["storeProductId"] == product_id]
        assert check(events, log)


def test_delayed_webhooks_arrive_out_of_order(file_host):
    config = SandboxConfig(publish_delay_seconds=0.05, webhook_url=file_host.url("/hooks/gelato"),
                           webhook_secret="x", rate_webhook_delay=1.0, webhook_delay_seconds=1.0, seed=3)
    with SandboxServer(config) as server:
        reordered = 0
        for _ in range(4):
            product_id = create_mug(server, file_host)
            wait_until(lambda: len(events_for(file_host, product_id)) == 3, timeout=5)
            statuses = [e["status"] for _, e in events_for(file_host, product_id)]
            reordered += statuses != ["created", "publishing", "active"]
        assert reordered > 0
