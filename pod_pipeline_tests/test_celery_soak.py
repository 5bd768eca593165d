"""Publishing on the deployment's Celery option, for real (issue 18, items 1 and 2): the shipped
deploy/celery configuration on a Postgres instance, RabbitMQ, two `dagster-celery worker`
processes and the real `dagster-daemon` (sensors ticking on their own, the run queue, run
monitoring, run retries). Two publishing runs are SIGKILLed among their creates; the daemon
itself must notice and retry them, and the store must end exactly as the catalog says."""

from __future__ import annotations

import pytest

from pod_pipeline.tools.benchmarks.celery_soak import run_celery_soak, soak_passed
from pod_pipeline_tests.db.pg import ADMIN_URL


@pytest.fixture(scope="module")
def soak(tmp_path_factory):
    return run_celery_soak(artworks=12, workers=2, processes=2, kills=2, max_concurrent_runs=2, batch_size=3,
                           timeout_seconds=420, home=tmp_path_factory.mktemp("celery-soak"), admin_url=ADMIN_URL)


def test_killed_run_workers_are_failed_by_monitoring_and_retried_by_the_daemon(soak):
    assert soak["kills"] == 2, soak  # the kills happened: each mid-create in a Celery pool process
    assert soak["killed_runs_failed_by_monitoring"] == 2
    assert all("Celery task failed" in message for message in soak["failure_messages"]), soak["failure_messages"]
    assert soak["killed_runs_retried"] == 2 and soak["retries_succeeded"] >= 2
    # Batches of at most 3 (at least 4 of them: one spared for the re-upload, two killed), and one
    # retry per kill: none for a run that was not killed.
    assert soak["retry_runs"] == 2 and soak["publishing_runs"] - soak["retry_runs"] >= 4


def test_every_artwork_is_published_once_with_no_drift(soak):
    assert soak["not_final"] == [] and soak["failed"] == [], soak
    assert soak["published"] == 12
    assert soak["products_in_store"] == soak["products_in_catalog"] == 12  # one mug each
    assert soak["duplicates"] == 0 and soak["drift"] == 0
    assert soak_passed(soak)


def test_the_run_queue_keeps_its_limit_with_more_worker_processes_than_runs_allowed(soak):
    # 4 pool processes could take 4 batches at once; the queue lets 2 run.
    assert 1 <= soak["most_runs_at_once"] <= soak["max_concurrent_runs"] == 2


def test_a_failed_soak_is_not_passed():
    good = {"not_final": [], "kills": 2, "killed_runs_failed_by_monitoring": 2, "killed_runs_retried": 2,
            "most_runs_at_once": 2, "max_concurrent_runs": 2, "duplicates": 0, "drift": 0,
            "products_in_store": 9, "products_in_catalog": 9, "reupload": {"started_after_the_batch_ended": True}}
    assert soak_passed(good)
    for bad in ({"duplicates": 1}, {"drift": 2}, {"killed_runs_retried": 1}, {"most_runs_at_once": 3},
                {"not_final": ["a"]}, {"products_in_store": 10}, {"killed_runs_failed_by_monitoring": 0},
                {"reupload": {"started_after_the_batch_ended": False}}):
        assert not soak_passed({**good, **bad}), bad


def test_a_reupload_during_its_batch_waits_for_the_batch_in_the_queue(soak):
    """Item 2: the artist replaces an artwork while its batch (a range run) is running; the
    re-upload's run takes the batch's lock, and the daemon's queue starts it only once the batch
    has ended, so the two never work on one artwork at once."""
    replaced = soak["reupload"]
    assert replaced["artwork"] and replaced["reupload_run"], replaced
    assert replaced["shared_the_batch_lock"] and replaced["started_after_the_batch_ended"], replaced
    assert replaced["reupload_run_status"] == "SUCCESS"
