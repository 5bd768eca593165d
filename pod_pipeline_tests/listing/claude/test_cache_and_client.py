from __future__ import annotations

import anthropic
import pytest

from pod_pipeline.listing.claude import (
    CachedCopyResult,
    CachedCopywriter,
    ClaudeCopywriter,
    CopywriterConfigError,
    build_client,
    check_model,
)
from pod_pipeline_tests.listing.builders import default_rules, make_request, valid_listing
from pod_pipeline_tests.listing.claude.conftest import MODEL


def test_cache_hit_makes_no_second_request(fake, client, tmp_path, big_preview):
    fake.reply_tool(valid_listing().model_dump())
    cached = CachedCopywriter(ClaudeCopywriter(client, MODEL, default_rules()), tmp_path)
    first = cached.write(make_request(preview_jpeg=big_preview))
    second = cached.write(make_request(preview_jpeg=big_preview, artwork_id="art-2"))
    assert len(fake.message_requests) == 1
    assert isinstance(second, CachedCopyResult) and second.cached
    assert not isinstance(first, CachedCopyResult)
    assert second.listing == first.listing and second.request_id == first.request_id
    assert (cached.hits, cached.misses) == (1, 1)


def test_cache_misses_on_new_prompt_version_model_or_image(fake, client, tmp_path, big_preview):
    for _ in range(4):
        fake.reply_tool(valid_listing().model_dump())
    rules = default_rules()
    CachedCopywriter(ClaudeCopywriter(client, MODEL, rules), tmp_path).write(make_request(preview_jpeg=big_preview))
    CachedCopywriter(ClaudeCopywriter(client, MODEL, rules, prompt_version="v2"), tmp_path).write(
        make_request(preview_jpeg=big_preview))
    CachedCopywriter(ClaudeCopywriter(client, "claude-sonnet-5-5", rules), tmp_path).write(
        make_request(preview_jpeg=big_preview))
    CachedCopywriter(ClaudeCopywriter(client, MODEL, rules), tmp_path).write(make_request(preview_jpeg=None))
    assert len(fake.message_requests) == 4


def test_check_model_lifecycle(fake, client):
    assert check_model(client, MODEL) is None
    warning = check_model(client, "claude-sonnet-4-5")
    assert warning and "deprecated" in warning and "2026-12-31" in warning
    with pytest.raises(CopywriterConfigError, match="retired"):
        check_model(client, "claude-3-haiku-20240307")
    with pytest.raises(CopywriterConfigError, match="retired or unknown"):
        check_model(client, "claude-nonexistent")
    assert [r.path for r in fake.requests][-1] == "/v1/models/claude-nonexistent"


def test_build_client_honours_base_url_and_env(fake, monkeypatch):
    client = build_client("test", fake.base_url)
    assert isinstance(client, anthropic.Anthropic) and client.max_retries == 4
    assert check_model(client, MODEL) is None
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    assert check_model(build_client(None, None), MODEL) is None
    assert fake.requests[-1].headers.get("authorization") == "Bearer from-env" \
        or fake.requests[-1].headers.get("x-api-key") == "from-env"
