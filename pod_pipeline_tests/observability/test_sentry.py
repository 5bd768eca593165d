"""Sentry, with the SDK's own transport seam (a `Transport` keeping envelopes in memory): events
carry the artwork/template/product and the pod mode, and no secret ever appears in what would be
sent — not in a message, an exception, a breadcrumb, a header or extra data."""

import logging
import os
import sqlite3

import pytest
import sentry_sdk
from dagster import (
    AssetExecutionContext,
    DagsterInstance,
    Definitions,
    Failure,
    StaticPartitionsDefinition,
    asset,
    define_asset_job,
)
from sentry_sdk.transport import Transport
from starlette.testclient import TestClient

from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.observability import init_sentry, log_context, report_errors, report_step_failure
from pod_pipeline.observability.scrubbing import FILTERED, Scrubber
from pod_pipeline.observability.sentry import SentryConfigError
from pod_pipeline.webhooks.app import WEBHOOK_PATH, create_webhook_app

DSN = "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/42"
GELATO_KEY = "gk-live-7f3a9c2e5b1d4f60"
ANTHROPIC_KEY = "sk-ant-api03-Zq8Xw2Lm5Np7"
WEBHOOK_SECRET = "whsec-4b8d2f6a0c1e"
DB_PASSWORD = "pg-Pa55word-9x8y"
DB_URL = f"postgresql://postgres:{DB_PASSWORD}@db.example.supabase.co:5432/postgres"
SECRETS = (GELATO_KEY, ANTHROPIC_KEY, WEBHOOK_SECRET, DB_PASSWORD, "0123456789abcdef0123456789abcdef")


class MemoryTransport(Transport):
    """Keeps every envelope the client would send."""

    def __init__(self):
        super().__init__()
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def events(self) -> list[dict]:
        sentry_sdk.flush()
        return [event for event in (e.get_event() for e in self.envelopes) if event is not None]

    def payload(self) -> bytes:
        """Every envelope, headers and items, serialized as it would go on the wire."""
        sentry_sdk.flush()
        return b"".join(envelope.serialize() for envelope in self.envelopes)


def stop_sentry():
    client = sentry_sdk.get_client()
    if client.is_active():
        client.close()
    sentry_sdk.get_global_scope().set_client(None)
    sentry_sdk.get_isolation_scope().clear()
    sentry_sdk.get_current_scope().clear()


@pytest.fixture
def transport(monkeypatch):
    for name in ("SENTRY_DSN", "SENTRY_ENVIRONMENT", "SENTRY_TRACES_SAMPLE_RATE", "POD_MODE"):
        monkeypatch.delenv(name, raising=False)
    stop_sentry()
    yield MemoryTransport()
    stop_sentry()


def test_without_a_dsn_nothing_starts(transport):
    assert init_sentry({}) is False
    assert init_sentry({"SENTRY_DSN": "  "}, transport=transport) is False
    assert not sentry_sdk.get_client().is_active()
    sentry_sdk.capture_message("nobody hears this")
    assert transport.events() == []


def test_events_carry_the_log_context_and_the_mode(transport):
    assert init_sentry({"SENTRY_DSN": DSN, "POD_MODE": "production"}, transport=transport)
    with log_context(artwork_id="art-1", template_id="poster", product_id="art-1:poster"):
        sentry_sdk.capture_message("Gelato is slow")
    with log_context(artwork_id="art-2"):
        try:
            with log_context(template_id="mug", gelato_product_id="g-7"):
                raise RuntimeError("publishing_error")
        except RuntimeError as error:  # reported outside the inner block: its context travels with it
            sentry_sdk.capture_exception(error)
    message, exception = transport.events()
    assert message["environment"] == "production"
    assert {k: message["tags"][k] for k in ("pod.mode", "artwork_id", "template_id", "product_id")} == {
        "pod.mode": "production", "artwork_id": "art-1", "template_id": "poster", "product_id": "art-1:poster"}
    assert exception["tags"]["artwork_id"] == "art-2" and exception["tags"]["template_id"] == "mug"
    assert exception["tags"]["gelato_product_id"] == "g-7" and "product_id" not in exception["tags"]
    assert exception["contexts"]["pod"] == {"mode": "production", "artwork_id": "art-2", "template_id": "mug",
                                            "gelato_product_id": "g-7"}


def test_no_secret_leaves_in_messages_exceptions_breadcrumbs_headers_or_extras(transport, tmp_path, monkeypatch):
    for name, value in {"SENTRY_DSN": DSN, "GELATO_API_KEY": GELATO_KEY, "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
                        "GELATO_WEBHOOK_SECRET": WEBHOOK_SECRET, "SUPABASE_DB_URL": DB_URL}.items():
        monkeypatch.setenv(name, value)
    assert init_sentry(os.environ, transport=transport)

    # A breadcrumb, then an exception whose message names a key and a database URL.
    logging.getLogger("pod_pipeline.gelato.client").warning("calling Gelato with X-API-KEY %s", GELATO_KEY)
    with sentry_sdk.new_scope() as scope:
        scope.set_extra("settings", {"gelato_api_key": GELATO_KEY, "note": f"anthropic={ANTHROPIC_KEY}"})
        try:
            raise ConnectionError(f"could not reach {DB_URL} with key {GELATO_KEY}")
        except ConnectionError as error:
            sentry_sdk.capture_exception(error)

    # A request to the webhook receiver that fails inside: Sentry's Starlette integration reports
    # it with the request's headers (the secret header, an API key, a bearer token).
    catalog_path = tmp_path / "catalog.db"
    catalog = SqliteCatalog(catalog_path)
    with sqlite3.connect(catalog_path) as db:
        db.execute("drop table gelato_event")  # the catalog is really broken: the insert fails
    app = create_webhook_app(lambda: catalog, WEBHOOK_SECRET)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.post(WEBHOOK_PATH, json={"id": "evt-1", "event": "store_product_updated",
                                                 "storeProductId": "g-1", "storeId": "s", "status": "active"},
                             headers={"signature": WEBHOOK_SECRET, "X-API-KEY": GELATO_KEY,
                                      "Authorization": f"Bearer {ANTHROPIC_KEY}"})
    assert answer.status_code == 500

    events = transport.events()
    assert len(events) == 2  # the logged warning is a breadcrumb, not an event
    webhook = events[-1]
    assert webhook["request"]["headers"]["signature"] == FILTERED
    assert "sqlite3.OperationalError" in f"{webhook['exception']['values'][-1]['module']}." \
                                          f"{webhook['exception']['values'][-1]['type']}"
    assert webhook["tags"]["gelato_product_id"] == "g-1"
    connection = events[0]
    assert connection["exception"]["values"][0]["value"] == (
        f"could not reach postgresql://postgres:{FILTERED}@db.example.supabase.co:5432/postgres with key {FILTERED}")
    assert any("calling Gelato" in crumb.get("message", "") for crumb in connection["breadcrumbs"]["values"])
    sent = transport.payload()
    assert FILTERED.encode() in sent
    for secret in SECRETS:
        assert secret.encode() not in sent, f"{secret} left the process"


def test_a_failed_step_is_reported_once_by_the_hook_and_a_rejection_not_at_all(transport):
    artworks = StaticPartitionsDefinition(["art-1"])

    @asset(partitions_def=artworks)
    def broken(context: AssetExecutionContext) -> int:
        with log_context(template_id="mug", product_id="art-1:mug"):
            raise ValueError("Gelato answered 500 three times")

    @asset(partitions_def=artworks)
    def rejected(context: AssetExecutionContext) -> int:
        raise Failure("art.png rejected: too small", allow_retries=False)

    defs = Definitions(assets=[broken, rejected], jobs=[
        define_asset_job("broken_job", selection=[broken], hooks={report_step_failure}, tags={"pod/mode": "demo"}),
        define_asset_job("rejected_job", selection=[rejected], hooks={report_step_failure})])
    assert init_sentry({"SENTRY_DSN": DSN}, transport=transport)
    instance = DagsterInstance.ephemeral()
    failed = defs.resolve_job_def("broken_job").execute_in_process(partition_key="art-1", instance=instance,
                                                                   raise_on_error=False)
    defs.resolve_job_def("rejected_job").execute_in_process(partition_key="art-1", instance=instance,
                                                            raise_on_error=False)

    # Dagster logged both failures at ERROR; only the hook's report of the real error is an event.
    [event] = transport.events()
    assert event["exception"]["values"][-1]["value"] == "Gelato answered 500 three times"
    assert {key: event["tags"][key] for key in ("dagster.run_id", "dagster.step", "dagster.job", "artwork_id",
                                                "template_id", "product_id", "pod.mode")} == {
        "dagster.run_id": failed.run_id, "dagster.step": "broken", "dagster.job": "broken_job",
        "artwork_id": "art-1", "template_id": "mug", "product_id": "art-1:mug", "pod.mode": "demo"}
    assert event["contexts"]["dagster"]["partition"] == "art-1"


def test_report_errors_reports_and_re_raises(transport):
    with pytest.raises(KeyError):
        with report_errors(sensor="product_status_sensor"):
            raise KeyError("nothing to report without Sentry")
    assert init_sentry({"SENTRY_DSN": DSN}, transport=transport)
    with pytest.raises(KeyError):
        with report_errors(sensor="product_status_sensor"), log_context(product_id="art-1:poster"):
            raise KeyError("catalog row vanished")
    [event] = transport.events()
    assert event["tags"]["sensor"] == "product_status_sensor" and event["tags"]["product_id"] == "art-1:poster"


def test_settings_are_checked(transport):
    with pytest.raises(SentryConfigError, match="SENTRY_TRACES_SAMPLE_RATE"):
        init_sentry({"SENTRY_DSN": DSN, "SENTRY_TRACES_SAMPLE_RATE": "often"}, transport=transport)
    assert init_sentry({"SENTRY_DSN": DSN, "SENTRY_ENVIRONMENT": "staging", "SENTRY_TRACES_SAMPLE_RATE": "0.25"},
                       transport=transport)
    options = sentry_sdk.get_client().options
    assert (options["environment"], options["traces_sample_rate"]) == ("staging", 0.25)
    assert options["include_local_variables"] is False and not sentry_sdk.get_client().should_send_default_pii()


def test_the_scrubber_hides_url_passwords_and_signing_parameters_whatever_their_length():
    scrubber = Scrubber(secrets=[], sensitive_keys=["X-Gelato-Signature"])
    assert scrubber.text("postgresql://pod:pw@host/db and https://s.co/sign/a.png?token=eyJhbGc&x=1") == (
        f"postgresql://pod:{FILTERED}@host/db and https://s.co/sign/a.png?token={FILTERED}&x=1")
    assert scrubber.scrub({"headers": [["x-gelato-signature", "abc"], ["accept", "*/*"]],
                           "Authorization": "Bearer t", "artwork_id": "a1"}) == {
        "headers": [["x-gelato-signature", FILTERED], ["accept", "*/*"]], "Authorization": FILTERED,
        "artwork_id": "a1"}


def test_one_scrubber_for_every_kind_of_secret():
    # The doctor, the Supabase and Gelato clients and the Anthropic copywriter all use this one.
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlLW9mLXRoZS1rZXktMTIzNDU2"
    scrubber = Scrubber.from_environment({
        "SUPABASE_SERVICE_ROLE_KEY": jwt,
        "POD_CATALOG_URL": "host=db user=pod password=hunter2-long",  # a key=value connection string
        "SENTRY_DSN": "https://publickey123@o1.ingest.sentry.io/42",
        "MY_VENDOR_TOKEN": "tok-0123456789",
    })
    quoted = (f"key {jwt}; only its signature {jwt.rsplit('.', 1)[1]}; dsn publickey123; "
              "conn host=db user=pod password=hunter2-long; tok-0123456789")
    assert scrubber(ValueError(quoted)) == (f"key {FILTERED}; only its signature {FILTERED}; dsn {FILTERED}; "
                                            f"conn {FILTERED}; {FILTERED}")
    # A client's own key is hidden whatever its length; an unset one (None, "") hides nothing.
    assert Scrubber([None, "", "k3y"]).text("a k3y, not a key") == f"a {FILTERED}, not a key"
