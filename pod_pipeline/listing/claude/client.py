"""Building the Anthropic client and checking at start-up that the configured model lives."""

from __future__ import annotations

import anthropic

from pod_pipeline.listing.claude.errors import api_errors
from pod_pipeline.listing.copywriter import CopywriterConfigError

# Deliberate: the SDK retries 408/409/429/5xx/529 and connection errors itself, honouring
# retry-after; four tries ride out a short overload, and 60 s bounds one listing call (a
# reply of ~2k tokens takes well under that) so a hung connection cannot stall a run.
MAX_RETRIES = 4
TIMEOUT_SECONDS = 60.0


def build_client(
    api_key: str | None = None,
    base_url: str | None = None,
    *,
    max_retries: int = MAX_RETRIES,
    timeout: float = TIMEOUT_SECONDS,
) -> anthropic.Anthropic:
    """A client for the Messages API. `None` falls back to the SDK's environment lookup
    (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL), so any Messages-API-compatible endpoint works."""
    kwargs: dict = {"max_retries": max_retries, "timeout": timeout}
    if api_key:
        kwargs["api_key"] = api_key
    if base_url:
        kwargs["base_url"] = base_url
    return anthropic.Anthropic(**kwargs)


def check_model(client: anthropic.Anthropic, model: str) -> str | None:
    """Fail fast if `model` cannot be used; return a warning if it is deprecated, else None.

    Cheap (a metadata GET, no tokens), so it runs at start-up when a key is present."""
    with api_errors(client, model):
        info = client.models.retrieve(model)
    if info.lifecycle == "retired":
        raise CopywriterConfigError(
            f"model {model!r} is retired or unknown: set a current model id in the copywriter settings"
        )
    if info.lifecycle == "deprecated":
        when = f" on {info.retires_at:%Y-%m-%d}" if info.retires_at else " soon"
        return f"model {model!r} is deprecated and retires{when}: move to a current model id in the settings"
    return None
