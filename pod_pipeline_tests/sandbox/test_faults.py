from __future__ import annotations

import time

import httpx
import pytest

from pod_pipeline.tools.sandbox import FaultKnobs, SandboxConfig, SandboxServer
from pod_pipeline.tools.sandbox.faults import FaultInjector
from pod_pipeline_tests.sandbox.support import POSTER, STORE_ID, api_client


@pytest.fixture
def faulty():
    with SandboxServer(SandboxConfig(publish_delay_seconds=0.1)) as server:
        yield server


def admin(server, method, path, **kwargs):
    return httpx.request(method, f"{server.base_url}/_sandbox/{path}", trust_env=False, **kwargs)


def template_call(client, server):
    return client.get(f"{server.ecommerce_url}/templates/{POSTER}")


def test_rate_429_with_retry_after(client):
    config = SandboxConfig(rate_429=1.0, retry_after_seconds=3)
    with SandboxServer(config) as server:
        for _ in range(3):
            response = template_call(client, server)
            assert response.status_code == 429
            assert response.headers["Retry-After"] == "3"
            assert response.json()["message"]
        # Admin endpoints are never faulted.
        assert admin(server, "GET", "health").status_code == 200
        assert admin(server, "GET", "calls").json() == {"GET /v1/templates/{templateId}": 3}


def test_429_without_retry_after_has_no_header(faulty, client):
    faulty.set_faults(rate_429=1.0)
    response = template_call(client, faulty)
    assert response.status_code == 429 and "Retry-After" not in response.headers


def test_rate_5xx_and_runtime_knob_changes(faulty, client):
    assert admin(faulty, "PUT", "faults", json={"rate_5xx": 1.0}).status_code == 200
    statuses = {template_call(client, faulty).status_code for _ in range(12)}
    assert statuses <= {500, 502, 503} and len(statuses) > 1
    response = client.get(f"{faulty.ecommerce_url}/stores/{STORE_ID}/products")
    assert response.status_code >= 500 and response.json()["message"]
    assert admin(faulty, "GET", "faults").json()["rate_5xx"] == 1.0
    assert admin(faulty, "POST", "reset-calls").status_code == 200

    assert admin(faulty, "PUT", "faults", json={"rate_5xx": 0}).status_code == 200
    assert template_call(client, faulty).status_code == 200


def test_faults_come_before_auth_and_are_counted(faulty):
    faulty.set_faults(rate_429=1.0)
    with api_client("wrong-key") as bad:
        assert template_call(bad, faulty).status_code == 429
    faulty.set_faults(rate_429=0.0)
    with api_client("wrong-key") as bad:
        assert template_call(bad, faulty).status_code == 401
    assert faulty.call_counts() == {"GET /v1/templates/{templateId}": 2}


@pytest.mark.parametrize("knobs", [{"rate_429": 2}, {"rate_5xx": -0.1}, {"bogus": 1}, [1, 2]])
def test_bad_knobs_are_rejected_and_change_nothing(faulty, knobs):
    response = admin(faulty, "PUT", "faults", json=knobs)
    assert response.status_code == 400 and response.json()["message"]
    assert admin(faulty, "GET", "faults").json() == FaultKnobs().model_dump()


def test_latency_delays_gelato_calls_only(faulty, client):
    faulty.set_faults(latency_seconds=0.25)
    started = time.monotonic()
    assert template_call(client, faulty).status_code == 200
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    admin(faulty, "GET", "health")
    assert time.monotonic() - started < 0.2


def test_fault_sequence_is_reproducible_from_the_seed():
    knobs = FaultKnobs(rate_429=0.3, rate_5xx=0.3)

    def statuses(seed):
        injector = FaultInjector(knobs, seed=seed)
        return [getattr(injector.draw(), "status", None) for _ in range(50)]

    assert statuses(7) == statuses(7) != statuses(8)
    assert {429, None} <= set(statuses(7)) and set(statuses(7)) & {500, 502, 503}
