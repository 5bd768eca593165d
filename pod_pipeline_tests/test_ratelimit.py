"""The shared request budget: token math, configuration, and the Gelato client and Claude writer
spending from it (against the real sandbox and the fake Messages API on loopback)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import anthropic
import pytest

from pod_pipeline.defs.environment import ConfigurationError, copywriter_resource, gelato_rate_limit, rate_limit
from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.gelato.errors import GelatoRateLimited
from pod_pipeline.defs.gelato_resource import GelatoResource
from pod_pipeline.listing.claude import ClaudeCopywriter
from pod_pipeline.listing.claude.batch import submit
from pod_pipeline.ratelimit import (
    ANTHROPIC,
    GELATO,
    NO_LIMIT,
    Limit,
    MemoryBuckets,
    RateLimiter,
    RateLimitTimeout,
    limiter_for,
)
from pod_pipeline.ratelimit.bucket import Bucket, reserve
from pod_pipeline.tools.sandbox.app import create_app
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline_tests.conftest import POSTER
from pod_pipeline_tests.listing.builders import default_rules, make_request, valid_listing
from pod_pipeline_tests.listing.claude.fake_api import FakeAnthropic
from pod_pipeline_tests.ratelimit_bounds import assert_within_budget

LIMIT = Limit(rate_per_second=10, burst=3)


# -- token math ------------------------------------------------------------------------------
def test_a_new_bucket_is_full_then_each_reservation_waits_one_interval_longer():
    bucket, waits = None, []
    for _ in range(6):
        bucket, reservation = reserve(bucket, 100.0, LIMIT, 1, max_wait_seconds=60)
        waits.append(round(reservation.wait_seconds, 9))
    assert waits == [0, 0, 0, 0.1, 0.2, 0.3]
    assert bucket == Bucket(tokens=-3, refilled_at=100.0)


def test_refill_is_capped_at_the_burst_and_a_clock_going_back_refills_nothing():
    bucket, _ = reserve(Bucket(tokens=-1, refilled_at=0.0), 1000.0, LIMIT, 1, 60)
    assert bucket.tokens == LIMIT.burst - 1  # a long quiet spell gives a burst, not 10,000 tokens
    bucket, reservation = reserve(Bucket(tokens=0, refilled_at=50.0), 49.0, LIMIT, 1, 60)
    assert (bucket, round(reservation.wait_seconds, 9)) == (Bucket(-1, 50.0), 0.1)


def test_a_refused_reservation_takes_nothing():
    queued = Bucket(tokens=-20, refilled_at=0.0)  # 2 s booked ahead
    bucket, reservation = reserve(queued, 0.0, LIMIT, 1, max_wait_seconds=1.0)
    assert bucket is None and not reservation.granted and reservation.wait_seconds == pytest.approx(2.1)


def test_acquire_sleeps_exactly_the_reserved_wait_and_refuses_beyond_the_maximum():
    slept: list[float] = []
    clock = [0.0]
    limiter = RateLimiter(MemoryBuckets(clock=lambda: clock[0]), {GELATO: LIMIT}, max_wait_seconds=0.25,
                          sleep=slept.append)
    assert [limiter.acquire(GELATO) for _ in range(5)] == pytest.approx([0, 0, 0, 0.1, 0.2])
    assert slept == pytest.approx([0.1, 0.2])
    with pytest.raises(RateLimitTimeout, match=r"gelato request budget \(10/s, burst 3\) is booked 0.3 s ahead"):
        limiter.acquire(GELATO)
    clock[0] = 10.0
    assert limiter.acquire(GELATO) == 0  # the refused call took nothing; the refill came back
    with pytest.raises(ValueError, match="cannot take 4 tokens at once"):
        limiter.acquire(GELATO, tokens=4)


def test_no_limit_opens_no_backend():
    # An unreachable database proves no connection is even tried.
    limiter = limiter_for("postgresql://nobody@127.0.0.1:1/none", {GELATO: None})
    assert limiter is NO_LIMIT and limiter.acquire(GELATO) == 0
    assert RateLimiter(MemoryBuckets(), {GELATO: LIMIT}).acquire(ANTHROPIC) == 0  # other APIs: free


# -- configuration ---------------------------------------------------------------------------
@pytest.mark.parametrize("env, message", [
    ({"POD_GELATO_RATE_PER_SECOND": "fast"}, "POD_GELATO_RATE_PER_SECOND must be a positive number"),
    ({"POD_GELATO_RATE_PER_SECOND": "0"}, "POD_GELATO_RATE_PER_SECOND must be a positive number"),
    ({"POD_GELATO_RATE_PER_SECOND": "nan"}, "POD_GELATO_RATE_PER_SECOND must be a positive number"),
    ({"POD_GELATO_RATE_PER_SECOND": "5", "POD_GELATO_BURST": "0.5"}, "POD_GELATO_BURST must be a number of requests, at least 1"),
    ({"POD_GELATO_BURST": "5"}, "POD_GELATO_BURST is set but POD_GELATO_RATE_PER_SECOND is not"),
])
def test_a_bad_gelato_variable_is_named(env, message):
    with pytest.raises(ConfigurationError, match=message):
        gelato_rate_limit(env)


def test_a_bad_anthropic_variable_is_named_when_the_resources_are_built():
    with pytest.raises(ConfigurationError, match="POD_ANTHROPIC_RATE_PER_MINUTE must be a positive number of "
                                                 "requests per minute, not '-3'"):
        copywriter_resource({"POD_ANTHROPIC_RATE_PER_MINUTE": "-3"}, "demo")


def test_limits_from_the_environment(tmp_path):
    catalog = f"sqlite:///{tmp_path / 'catalog.db'}"
    assert gelato_rate_limit({}) == {} and rate_limit({}, ANTHROPIC) is None
    assert gelato_rate_limit({"POD_GELATO_RATE_PER_SECOND": "2.5", "POD_CATALOG_URL": catalog}) == {
        "rate_per_second": 2.5, "rate_burst": 2.5, "rate_limit_url": catalog}
    assert rate_limit({"POD_ANTHROPIC_RATE_PER_MINUTE": "30"}, ANTHROPIC) == (0.5, 1.0)
    copywriter = copywriter_resource({"POD_ANTHROPIC_RATE_PER_MINUTE": "120", "POD_ANTHROPIC_BURST": "4",
                                      "POD_CATALOG_URL": catalog}, "demo")
    assert (copywriter.rate_per_minute, copywriter.rate_burst, copywriter.rate_limit_url) == (120, 4, catalog)
    limiter = copywriter._rate_limiter()
    assert limiter.limits == {ANTHROPIC: Limit(2.0, 4.0, setting="POD_ANTHROPIC_RATE_PER_MINUTE")}
    assert copywriter_resource({}, "demo")._rate_limiter() is NO_LIMIT


# -- the clients -----------------------------------------------------------------------------
class CountingBackend(MemoryBuckets):
    def __init__(self) -> None:
        super().__init__()
        self.reservations: list[str] = []

    def reserve(self, api, limit, tokens, max_wait_seconds):
        self.reservations.append(api)
        return super().reserve(api, limit, tokens, max_wait_seconds)


def recording(app, arrivals: list[float]):
    """The sandbox app, noting when each Gelato request reaches the server."""
    async def wrapped(scope, receive, send):
        if scope["type"] == "http" and not scope["path"].startswith("/_sandbox"):
            arrivals.append(time.time())
        await app(scope, receive, send)
    return wrapped


def test_gelato_clients_in_many_threads_stay_within_the_shared_budget(tmp_path):
    arrivals: list[float] = []
    limit = Limit(rate_per_second=10, burst=2)
    with BackgroundServer(recording(create_app(SandboxConfig()), arrivals), name="gelato-sandbox") as server:
        resource = GelatoResource(api_key="sandbox-key", ecommerce_url=f"{server.base_url}/v1",
                                  product_url=f"{server.base_url}/v3", rate_per_second=limit.rate_per_second,
                                  rate_burst=limit.burst, rate_limit_url=f"sqlite:///{tmp_path / 'catalog.db'}")

        def fetch() -> None:  # one client per thread: as separate workers, sharing only the catalog
            with resource.client() as client:
                for _ in range(4):
                    assert client.get_template(POSTER).id == POSTER

        started = time.time()
        with ThreadPoolExecutor(3) as pool:
            for done in [pool.submit(fetch) for _ in range(3)]:
                done.result()
    assert len(arrivals) == 12
    assert time.time() - started >= (12 - limit.burst) / limit.rate_per_second - 0.02
    assert_within_budget(arrivals, limit, slack_seconds=0.1)


def test_every_gelato_attempt_spends_from_the_budget(gelato_sandbox):
    gelato_sandbox.set_faults(rate_429=1.0, retry_after_seconds=0)
    backend = CountingBackend()
    limiter = RateLimiter(backend, {GELATO: Limit(1000, 10)})
    with GelatoClient("sandbox-key", ecommerce_url=gelato_sandbox.ecommerce_url, product_url=gelato_sandbox.product_url,
                      max_attempts=3, backoff_base_seconds=0, rate_limiter=limiter) as client:
        with pytest.raises(GelatoRateLimited):
            client.get_template(POSTER)
    assert backend.reservations == [GELATO] * 3
    assert sum(gelato_sandbox.call_counts().values()) == 3


def test_the_claude_writer_spends_once_per_messages_call_and_batch_submit():
    backend = CountingBackend()
    limiter = RateLimiter(backend, {ANTHROPIC: Limit(1000, 10)})
    with FakeAnthropic() as fake:
        client = anthropic.Anthropic(api_key="test", base_url=fake.base_url, max_retries=0, timeout=10)
        writer = ClaudeCopywriter(client, "claude-haiku-5-5", default_rules(), rate_limiter=limiter)
        fake.reply_tool(valid_listing(alt_text="").model_dump())  # breaks a rule: re-asked once
        fake.reply_tool(valid_listing().model_dump())
        assert writer.write(make_request()).listing == valid_listing()
        assert len(fake.message_requests) == 2 and backend.reservations == [ANTHROPIC] * 2
        fake.script_batch(lambda rows: [], polls=0)
        submit(writer, {"art-1": make_request()})
        assert backend.reservations == [ANTHROPIC] * 3
