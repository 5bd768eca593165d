"""One budget shared by separate processes through the catalog database: real PostgreSQL (the
`database_url` fixture, migrated) and a SQLite catalog file."""

from __future__ import annotations

import multiprocessing
import time

import psycopg2
import pytest

from pod_pipeline.ratelimit import GELATO, Limit, RateLimiter, RateLimitTimeout, backend_for
from pod_pipeline.ratelimit.postgres import PostgresBuckets
from pod_pipeline.ratelimit.sqlite import SqliteBuckets
from pod_pipeline_tests.ratelimit_bounds import assert_within_budget

LIMIT = Limit(rate_per_second=10, burst=5)
WORKERS, SECONDS = 4, 1.5


def _hammer(url: str, start_at: float, stop_at: float) -> list[float]:
    """A worker that calls as fast as the budget lets it; returns when each call would start."""
    limiter = RateLimiter(backend_for(url), {GELATO: LIMIT})
    time.sleep(max(0.0, start_at - time.time()))
    started = []
    while True:
        limiter.acquire(GELATO)
        now = time.time()
        if now >= stop_at:
            return started
        started.append(now)


def run_in_processes(work, calls: list[tuple], timeout_seconds: float) -> list:
    """`work(*call)` for each call in its own spawned process, bounded in time. The pool is closed
    and joined (the workers exit on their own), never terminated: a process whose launcher
    ignores SIGINT has SIGTERM ignored too once Dagster's interrupt handling ran in it, its
    spawned workers inherit that, and `Pool.terminate()` would then wait for ever."""
    pool = multiprocessing.get_context("spawn").Pool(len(calls))
    try:
        return pool.starmap_async(work, calls).get(timeout=timeout_seconds)
    finally:
        pool.close()
        deadline = time.monotonic() + 30
        for process in list(pool._pool):
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()  # SIGKILL: cannot be ignored
        pool.join()


@pytest.fixture(params=["postgres", "sqlite"])
def catalog_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return request.getfixturevalue("database_url")


def test_processes_hammering_one_bucket_never_exceed_rate_times_time_plus_burst(catalog_url):
    parent = RateLimiter(backend_for(catalog_url), {GELATO: LIMIT})
    parent.acquire(GELATO)
    # Spawned, not forked: a fork of this threaded test process (servers of earlier tests) can
    # deadlock its child. (A forked worker would reopen its own connection: the backends check the pid.)
    start_at = time.time() + 4.0  # every worker started and connected (and the bucket full again)
    stop_at = start_at + SECONDS
    per_worker = run_in_processes(_hammer, [(catalog_url, start_at, stop_at)] * WORKERS, timeout_seconds=60)
    parent.acquire(GELATO)  # and the parent's connection survived them
    started = sorted(t for times in per_worker for t in times)
    assert all(per_worker), "every worker got some of the budget"
    assert_within_budget(started, LIMIT, slack_seconds=0.1)
    most = LIMIT.burst + LIMIT.rate_per_second * SECONDS
    # Unlimited, four busy loops would make thousands of calls: the budget is what held them back.
    assert len(started) >= 0.8 * most, f"{len(started)} calls of the {most:.0f} the budget allows"


@pytest.mark.parametrize("kind", ["postgres", "sqlite"])
def test_a_refused_caller_takes_nothing_from_the_shared_bucket(kind, request, tmp_path):
    backend = (PostgresBuckets(request.getfixturevalue("database_url")) if kind == "postgres"
               else SqliteBuckets(tmp_path / "catalog.db"))
    # Slow enough that the real time passing between the calls hardly moves the waits.
    limit = Limit(rate_per_second=0.1, burst=2)
    waits = [backend.reserve(GELATO, limit, 1, max_wait_seconds=25) for _ in range(5)]
    assert [w.granted for w in waits] == [True, True, True, True, False]
    assert [round(w.wait_seconds) for w in waits] == [0, 0, 10, 20, 30]
    limiter = RateLimiter(backend, {GELATO: limit}, max_wait_seconds=1)
    with pytest.raises(RateLimitTimeout, match=r"booked (29\.[5-9]|30\.0) s ahead"):
        limiter.acquire(GELATO)  # still 30 s: neither refusal spent a token
    backend.close()


def test_the_table_is_for_the_pipeline_only(database_url):
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select relrowsecurity from pg_class where oid = 'public.api_rate_limit'::regclass")
        assert cur.fetchone() == (True,)
        cur.execute("select count(*) from pg_policies where tablename = 'api_rate_limit'")
        assert cur.fetchone() == (0,)
        cur.execute("""select has_table_privilege('authenticated', 'public.api_rate_limit', 'select'),
                              has_table_privilege('anon', 'public.api_rate_limit', 'select'),
                              has_table_privilege('service_role', 'public.api_rate_limit', 'update')""")
        assert cur.fetchone() == (False, False, True)
    conn.close()


def test_postgres_bucket_reports_the_configured_limit_for_the_operator(database_url):
    backend = PostgresBuckets(database_url)
    RateLimiter(backend, {GELATO: LIMIT}).acquire(GELATO)
    backend.close()
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select api, tokens, rate_per_second, burst from public.api_rate_limit")
        assert cur.fetchall() == [("gelato", LIMIT.burst - 1, LIMIT.rate_per_second, LIMIT.burst)]
    conn.close()


def test_process_workers_stop_when_the_launcher_ignores_sigint_and_sigterm():
    # As under nohup or `&` after Dagster's interrupt handling ran in the test process: both
    # signals ignored, and spawned workers inherit that. `with Pool(...)` hung here for ever.
    script = (
        "import signal, sys\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN); signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "from pod_pipeline_tests.test_ratelimit_shared import run_in_processes\n"
        "print(run_in_processes(abs, [(-1,), (-2,)], timeout_seconds=30))\n"
    )
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=90)
    assert done.returncode == 0 and done.stdout.strip() == "[1, 2]", done.stderr[-2000:]
