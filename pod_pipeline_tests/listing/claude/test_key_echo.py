"""An Anthropic endpoint that quotes the caller's key in every error (issue 13, item 14): no
path out of the copywriter (the synchronous writer, the start-up model check, the batch API and
its errored rows) carries the key in an exception's message, args, body or chained cause, which
Dagster would write into the event log."""

from __future__ import annotations

import traceback

import anthropic
import pytest

from pod_pipeline.listing.claude import ClaudeCopywriter, CopywriterConfigError, check_model
from pod_pipeline.listing.claude.batch import run_batch
from pod_pipeline_tests.listing.builders import default_rules, make_request
from pod_pipeline_tests.listing.claude.conftest import MODEL
from pod_pipeline_tests.listing.claude.fake_api import FakeAnthropic

KEY = "sk-ant-api03-echoed-9f8e7d6c5b4a"


def everything_said(error: BaseException) -> str:
    """What Dagster could serialize: the formatted chain, plus each link's args and body."""
    text = "".join(traceback.format_exception(error))
    link: BaseException | None = error
    while link is not None:
        text += repr(link.args) + repr(getattr(link, "body", None)) + str(getattr(link, "message", ""))
        link = link.__cause__ or link.__context__
    return text


@pytest.fixture
def echoing():
    with FakeAnthropic({MODEL: "active"}, api_key=KEY, echo_api_key=True) as api:
        yield api


def client_for(api: FakeAnthropic, key: str = KEY) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=key, base_url=api.base_url, max_retries=0, timeout=10)


@pytest.mark.parametrize("status, kind, expected", [
    (500, "api_error", anthropic.InternalServerError),          # retryable: keeps the SDK type
    (529, "overloaded_error", anthropic.InternalServerError),
    (429, "rate_limit_error", anthropic.RateLimitError),
    (400, "invalid_request_error", CopywriterConfigError),      # quotes the API's message
    (403, "permission_error", CopywriterConfigError),
])
def test_an_echoed_key_never_leaves_the_writer(echoing, status, kind, expected):
    echoing.reply_error(status, kind, "something went wrong")
    with pytest.raises(expected) as raised:
        ClaudeCopywriter(client_for(echoing), MODEL, default_rules()).write(make_request())
    said = everything_said(raised.value)
    assert "you sent x-api-key" in said  # the echo did reach us: the test is not vacuous
    assert KEY not in said


def test_a_wrong_key_echoed_back_is_hidden_and_named(echoing):
    wrong = "sk-ant-api03-typo-0011223344556677"
    with pytest.raises(CopywriterConfigError, match="ANTHROPIC_API_KEY is invalid") as raised:
        ClaudeCopywriter(client_for(echoing, wrong), MODEL, default_rules()).write(make_request())
    assert wrong not in everything_said(raised.value)


def test_the_start_up_model_check_hides_the_key(echoing):
    with pytest.raises(CopywriterConfigError, match="retired or unknown") as raised:
        check_model(client_for(echoing), "claude-unknown-1")
    said = everything_said(raised.value)
    assert "you sent x-api-key" in said and KEY not in said


def test_batch_rows_and_batch_calls_hide_the_key(echoing):
    requests = {"art-0": make_request("a.png", artwork_id="art-0")}
    echoing.script_batch(lambda submitted: [{"custom_id": "art-0", "result": {"type": "errored", "error": {
        "type": "error", "error": {"type": "invalid_request_error", "message": f"bad request from {KEY}"}}}}],
        polls=0)
    writer = ClaudeCopywriter(client_for(echoing), MODEL, default_rules())
    outcome = run_batch(writer, requests, sleep=lambda _: None)
    assert outcome.failed["art-0"].startswith("invalid_request_error: bad request from")
    assert KEY not in outcome.failed["art-0"]

    # The batch endpoints themselves refusing (no batch scripted: a wrong key here).
    with pytest.raises(CopywriterConfigError, match="ANTHROPIC_API_KEY is invalid") as raised:
        run_batch(ClaudeCopywriter(client_for(echoing, KEY + "-old"), MODEL, default_rules()), requests,
                  sleep=lambda _: None)
    said = everything_said(raised.value)
    assert "you sent x-api-key" in said and KEY + "-old" not in said
