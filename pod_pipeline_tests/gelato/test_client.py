import time

import httpx
import pytest

from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.gelato.errors import (
    GelatoAmbiguousCreate,
    GelatoAuthError,
    GelatoClientError,
    GelatoNetworkError,
    GelatoNotFound,
    GelatoRateLimited,
)
from pod_pipeline.gelato.models import CreateFromTemplate

TEMPLATE = {"id": "t1", "templateName": "poster", "title": "Poster", "variants": []}


def scripted(*responses):
    """A transport that answers with `responses` in order and records the requests."""
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = responses[min(len(seen), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handler), seen


def client_with(transport, **kwargs):
    return GelatoClient("key", ecommerce_url="https://e.test/v1", product_url="https://p.test/v3",
                        transport=transport, backoff_base_seconds=0.01, **kwargs)


def body():
    return CreateFromTemplate(templateId="t1", title="T", description="<p>d</p>", variants=[])


def test_reads_retry_429_and_honour_retry_after():
    transport, seen = scripted(
        httpx.Response(429, headers={"Retry-After": "0.2"}, json={"message": "slow down"}),
        httpx.Response(503, json={"message": "busy"}),
        httpx.Response(200, json=TEMPLATE),
    )
    client = client_with(transport)
    started = time.monotonic()
    assert client.get_template("t1").id == "t1"
    assert time.monotonic() - started >= 0.2
    assert len(seen) == 3 and client.retries == 2
    assert seen[0].headers["X-API-KEY"] == "key"


def test_reads_give_up_after_max_attempts_with_a_typed_error():
    transport, seen = scripted(httpx.Response(429, json={"message": "slow down"}))
    with pytest.raises(GelatoRateLimited) as error:
        client_with(transport, max_attempts=3).get_template("t1")
    assert len(seen) == 3
    assert error.value.retryable and error.value.retry_after is None


@pytest.mark.parametrize("status, kind", [(400, GelatoClientError), (401, GelatoAuthError), (404, GelatoNotFound)])
def test_client_errors_are_not_retried(status, kind):
    transport, seen = scripted(httpx.Response(status, json={"message": "no"}))
    with pytest.raises(kind) as error:
        client_with(transport).get_template("t1")
    assert len(seen) == 1 and not error.value.retryable
    assert error.value.body and "no" in str(error.value)


def test_network_errors_are_retried_for_reads():
    request = httpx.Request("GET", "https://e.test/v1/templates/t1")
    transport, seen = scripted(httpx.ReadTimeout("slow", request=request), httpx.Response(200, json=TEMPLATE))
    assert client_with(transport).get_template("t1").id == "t1"
    assert len(seen) == 2


@pytest.mark.parametrize("failure", [
    httpx.Response(500, json={"message": "boom"}),
    httpx.Response(502, text="bad gateway"),
    httpx.ReadTimeout("lost answer"),
])
def test_create_is_sent_once_and_ambiguous_failures_say_so(failure):
    transport, seen = scripted(failure, httpx.Response(200, json={"id": "p1", "status": "created"}))
    with pytest.raises(GelatoAmbiguousCreate):
        client_with(transport).create_product("store", body())
    assert len(seen) == 1


def test_create_that_never_left_is_resent_then_a_plain_network_error():
    transport, seen = scripted(httpx.ConnectError("refused"))
    with pytest.raises(GelatoNetworkError) as error:
        client_with(transport, max_attempts=3).create_product("store", body())
    assert error.value.request_sent is False and len(seen) == 3  # never reached Gelato: safe to resend


def test_create_rate_limited_waits_and_is_sent_again_because_nothing_was_made():
    transport, seen = scripted(httpx.Response(429, json={"message": "slow"}, headers={"Retry-After": "0.2"}),
                               httpx.Response(200, json={"id": "p1", "status": "created"}))
    started = time.monotonic()
    assert client_with(transport).create_product("store", body()).id == "p1"
    assert len(seen) == 2 and time.monotonic() - started >= 0.2  # Retry-After honoured


def test_create_rate_limited_past_the_attempts_gives_up_as_rate_limited():
    transport, seen = scripted(httpx.Response(429, json={"message": "slow"}))
    with pytest.raises(GelatoRateLimited):
        client_with(transport, max_attempts=2).create_product("store", body())
    assert len(seen) == 2


def test_product_list_pages_until_a_short_page():
    pages = [{"products": [{"id": f"p{i}", "status": "active"} for i in range(start, min(start + 100, 230))]}
             for start in (0, 100, 200)]
    transport, seen = scripted(*(httpx.Response(200, json=p) for p in pages))
    ids = [p.id for p in client_with(transport).iter_products("store")]
    assert len(ids) == 230 and ids[0] == "p0" and ids[-1] == "p229"
    assert [r.url.params["offset"] for r in seen] == ["0", "100", "200"]
    assert all(r.url.params["limit"] == "100" for r in seen)


def test_retry_after_as_an_http_date_and_beyond_the_backoff_cap():
    from pod_pipeline.gelato.client import _retry_after_seconds

    assert _retry_after_seconds(httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 -0000"})) == 0
    assert _retry_after_seconds(httpx.Response(429, headers={"Retry-After": "soon"})) is None
    transport, seen = scripted(httpx.Response(429, headers={"Retry-After": "0.05"}),
                               httpx.Response(200, json=TEMPLATE))
    client = client_with(transport, backoff_max_seconds=0.01)
    started = time.monotonic()
    client.get_template("t1")
    assert time.monotonic() - started >= 0.05  # Gelato's hint wins over our own cap
