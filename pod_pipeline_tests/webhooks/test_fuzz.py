"""Schemathesis against the webhook receiver as it is served (uvicorn on a real socket, its own
`/openapi.json`, a Postgres catalog behind it): whatever the fuzzer sends, valid or not, the
answer is never a server error and always one the served document declares."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from pod_pipeline.catalog.postgres import PostgresCatalog
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.webhooks.app import create_webhook_app

SECRET = "fuzz-secret"
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def served(request):
    from pod_pipeline_tests.db.pg import fresh_database

    with fresh_database() as url, PostgresCatalog(url) as catalog:
        with BackgroundServer(create_webhook_app(lambda: catalog, SECRET)) as server:
            yield server, catalog


def fuzz(schema, mode: GenerationMode, check, **operations):
    """Runs `check(case)` over cases Hypothesis draws from the served document (the pytest
    plugin's `from_fixture` does not run on pytest 9, so the strategy is drawn directly)."""
    selected = schema.include(**operations) if operations else schema

    @FUZZ
    @given(case=selected.as_strategy(generation_mode=mode))
    def run(case):
        check(case)

    run()


@pytest.fixture(scope="module")
def served_schema(served):
    server, _ = served
    return schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_no_answer_is_a_server_error_or_undeclared(served_schema, mode):
    # Headers as generated: mostly a wrong or missing secret, so the refusals are fuzzed too.
    fuzz(served_schema, mode, lambda case: case.call_and_validate())


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_authentic_deliveries_of_any_body_are_stored_or_refused_never_500(served_schema, served, mode):
    _, catalog = served

    def deliver(case):
        # With the right secret every generated body reaches the parser and the catalog.
        case.headers = {**(case.headers or {}), "signature": SECRET}
        response = case.call()
        assert response.status_code in (200, 202, 400, 413), (response.status_code, response.text)
        if response.status_code == 202:
            stored = response.json()["stored"]
            assert any(e.id == stored for e in catalog.unprocessed_webhook_events(limit=100_000)), stored

    fuzz(served_schema, mode, deliver, method="POST")
