"""No secret Gelato echoes reaches an exception (issue 13, item 14): the message, the kept body,
the URL and the cause chain Dagster serializes into its event log are redacted at the client."""

from __future__ import annotations

import traceback

import httpx
import pytest

from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.gelato.errors import GelatoError

KEY = "gelato-live-9f8e7d6c5b4a3210"


def echoing(status: int, *, raise_error: bool = False):
    def handler(request: httpx.Request) -> httpx.Response:
        echoed = request.headers["X-API-KEY"]
        if raise_error:
            raise httpx.ConnectError(f"refused while sending X-API-KEY={echoed}", request=request)
        return httpx.Response(status, json={"message": f"key {echoed} is not valid for this store",
                                            "details": {"X-API-KEY": echoed}}, headers={"X-Echo": echoed})
    return httpx.MockTransport(handler)


@pytest.mark.parametrize("status, raise_error", [(401, False), (400, False), (404, False), (500, False),
                                                 (429, False), (0, True)])
def test_an_upstream_that_echoes_the_key_never_gets_it_into_an_error(status, raise_error):
    client = GelatoClient(KEY, ecommerce_url="https://e.test/v1", product_url="https://p.test/v3",
                          transport=echoing(status, raise_error=raise_error), max_attempts=2,
                          backoff_base_seconds=0.01)
    with pytest.raises(GelatoError) as caught:
        client.get_template("t1")
    error = caught.value
    everything = "".join(traceback.format_exception(error)) + repr(error) + str(error.body) + str(error.url)
    assert KEY not in everything
    assert error.__cause__ is None or KEY not in repr(error.__cause__)
