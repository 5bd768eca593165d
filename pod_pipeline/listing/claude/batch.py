"""Bulk copy through the Message Batches API (half the synchronous price).

For backfills and prompt-version changes: submit every artwork's first request in one batch,
poll with backoff, match rows by `custom_id` (results come back out of order), re-submit rows
that expired or hit a transient error, and hand back what needs the synchronous path (a reply
that breaks a rule needs the re-ask conversation, which a batch row cannot hold).
Results go into the `CachedCopywriter`'s store, so the materializations that follow read them
without calling the API; writing a key twice stores the same thing (idempotent).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pod_pipeline.listing.claude.cache import CachedCopywriter
from pod_pipeline.listing.claude.errors import api_errors
from pod_pipeline.listing.claude.writer import ClaudeCopywriter
from pod_pipeline.listing.copywriter import CopyResult
from pod_pipeline.listing.model import CopyRequest
from pod_pipeline.observability.scrubbing import Scrubber
from pod_pipeline.ratelimit import ANTHROPIC

BATCH_PRICE_FACTOR = 0.5
_CUSTOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Errors another attempt can cure; an invalid request would fail the same way again.
_TRANSIENT_ERRORS = {"api_error", "overloaded_error", "rate_limit_error", "timeout_error"}


@dataclass
class BatchOutcome:
    results: dict[str, CopyResult] = field(default_factory=dict)  # custom_id -> valid copy
    needs_sync: dict[str, str] = field(default_factory=dict)  # custom_id -> why (re-ask via writer.write)
    failed: dict[str, str] = field(default_factory=dict)  # custom_id -> error no retry can cure
    batch_ids: list[str] = field(default_factory=list)


def submit(writer: ClaudeCopywriter, requests: Mapping[str, CopyRequest]) -> str:
    for custom_id in requests:
        if not _CUSTOM_ID.match(custom_id):
            raise ValueError(f"custom_id {custom_id!r} must be 1-64 characters of [A-Za-z0-9_-]")
    rows = [{"custom_id": cid, "params": writer.params(writer.first_messages(req), req.marketplaces)} for cid, req in requests.items()]
    writer.rate_limiter.acquire(ANTHROPIC)
    with api_errors(writer.client, writer.model):
        return writer.client.messages.batches.create(requests=rows).id


def wait(writer: ClaudeCopywriter, batch_id: str, *, first_delay: float = 10.0, max_delay: float = 300.0,
         deadline: float = 25 * 3600, sleep: Callable[[float], None] = time.sleep) -> None:
    """Poll until the batch ends, doubling the delay up to `max_delay` (most batches end within
    an hour, all within 24 h: the deadline only guards against a stuck poll loop)."""
    delay, waited = first_delay, 0.0
    while _status(writer, batch_id) != "ended":
        if waited > deadline:
            raise TimeoutError(f"batch {batch_id} has not ended after {waited:.0f} s")
        sleep(delay)
        waited += delay
        delay = min(delay * 2, max_delay)


def _status(writer: ClaudeCopywriter, batch_id: str) -> str:
    with api_errors(writer.client, writer.model):
        return writer.client.messages.batches.retrieve(batch_id).processing_status


def collect(writer: ClaudeCopywriter, batch_id: str, requests: Mapping[str, CopyRequest],
            outcome: BatchOutcome) -> dict[str, CopyRequest]:
    """Sort the batch's rows into `outcome`; return the rows to submit again."""
    again: dict[str, CopyRequest] = {}
    with api_errors(writer.client, writer.model):
        rows = list(writer.client.messages.batches.results(batch_id))
    for row in rows:
        request = requests.get(row.custom_id)
        if request is None:
            continue  # not ours (a stale row): never guess a match
        result = row.result
        if result.type == "succeeded":
            copy = writer.accept(result.message, request, BATCH_PRICE_FACTOR)
            if copy is not None:
                outcome.results[row.custom_id] = copy.model_copy(update={"request_id": batch_id})
            else:
                outcome.needs_sync[row.custom_id] = f"stop_reason {result.message.stop_reason} or rule violations"
        elif result.type == "expired" or (result.type == "errored" and result.error.error.type in _TRANSIENT_ERRORS):
            again[row.custom_id] = request
        elif result.type == "errored":
            message = Scrubber([writer.client.api_key]).text(result.error.error.message)
            outcome.failed[row.custom_id] = f"{result.error.error.type}: {message}"
        else:  # canceled: someone stopped the batch on purpose
            outcome.failed[row.custom_id] = "canceled"
    # A row missing from the results is treated like an expired one.
    seen = set(outcome.results) | set(outcome.needs_sync) | set(outcome.failed) | set(again)
    again.update({cid: req for cid, req in requests.items() if cid not in seen})
    return again


def run_batch(writer: ClaudeCopywriter, requests: Mapping[str, CopyRequest], *, cache: CachedCopywriter | None = None,
              rounds: int = 3, **wait_options) -> BatchOutcome:
    """Submit, wait, collect; re-submit expired/transient rows up to `rounds` batches in all."""
    outcome, pending = BatchOutcome(), dict(requests)
    for _ in range(rounds):
        if not pending:
            break
        batch_id = submit(writer, pending)
        outcome.batch_ids.append(batch_id)
        wait(writer, batch_id, **wait_options)
        pending = collect(writer, batch_id, pending, outcome)
    outcome.failed.update({cid: f"still expired or failing after {rounds} batches" for cid in pending})
    if cache is not None:
        for cid, result in outcome.results.items():
            cache.store(requests[cid], result)
    return outcome
