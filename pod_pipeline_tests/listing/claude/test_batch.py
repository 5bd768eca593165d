from __future__ import annotations

from pod_pipeline.listing.claude import CachedCopyResult, CachedCopywriter, ClaudeCopywriter
from pod_pipeline.listing.claude.batch import run_batch
from pod_pipeline_tests.listing.builders import default_rules, make_request, valid_listing
from pod_pipeline_tests.listing.claude.conftest import MODEL
from pod_pipeline_tests.listing.claude.fake_api import tool_message


def _row(custom_id: str, result: dict) -> dict:
    return {"custom_id": custom_id, "result": result}


def test_batch_out_of_order_with_errored_and_expired_rows(fake, client, tmp_path):
    requests = {f"art-{i}": make_request(f"artwork-{i}.png", artwork_id=f"art-{i}") for i in range(5)}

    def first_batch(submitted):
        assert [r["custom_id"] for r in submitted] == list(requests)
        assert all("temperature" not in r["params"] and r["params"]["model"] == MODEL for r in submitted)
        return [  # out of order
            _row("art-3", {"type": "expired"}),
            _row("art-1", {"type": "succeeded", "message": tool_message(valid_listing(alt_text="").model_dump())}),
            _row("art-4", {"type": "errored", "error": {"type": "error", "error": {
                "type": "overloaded_error", "message": "Overloaded"}}}),
            _row("art-0", {"type": "succeeded", "message": tool_message(valid_listing().model_dump())}),
            _row("art-2", {"type": "errored", "error": {"type": "error", "error": {
                "type": "invalid_request_error", "message": "image too large"}}}),
        ]

    def second_batch(submitted):
        assert sorted(r["custom_id"] for r in submitted) == ["art-3", "art-4"]
        return [_row(r["custom_id"], {"type": "succeeded", "message": tool_message(valid_listing().model_dump())})
                for r in reversed(submitted)]

    fake.script_batch(first_batch, polls=2)
    fake.script_batch(second_batch, polls=0)
    writer = ClaudeCopywriter(client, MODEL, default_rules())
    cache = CachedCopywriter(writer, tmp_path)
    sleeps: list[float] = []
    outcome = run_batch(writer, requests, cache=cache, sleep=sleeps.append, first_delay=1, max_delay=3)

    assert sorted(outcome.results) == ["art-0", "art-3", "art-4"]
    assert outcome.needs_sync == {"art-1": outcome.needs_sync["art-1"]}  # broke a rule: re-ask synchronously
    assert outcome.failed == {"art-2": "invalid_request_error: image too large"}
    assert len(outcome.batch_ids) == 2 and sleeps == [1, 2]  # backoff doubles
    assert outcome.results["art-0"].cost_usd == (1800 * 0.10 + 300 * 0.50) / 1e6 / 2  # half price
    # Written to the cache: materializing these artworks now makes no API call.
    before = len(fake.requests)
    assert isinstance(cache.write(requests["art-3"]), CachedCopyResult)
    assert len(fake.requests) == before
