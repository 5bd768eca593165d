"""What an Anthropic error becomes before it leaves the copywriter.

Every API call runs inside `api_errors(client, model)`: the SDK's error is scrubbed of the
client's key (an upstream or proxy may quote it back, and Dagster writes exception messages and
their causes into the event log), and an error no retry can cure becomes a
`CopywriterConfigError` that says what to fix. Retryable ones (429, 5xx) keep their SDK type, so
the asset's retry policy and the doctor still tell them apart.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import anthropic

from pod_pipeline.listing.copywriter import CopywriterConfigError
from pod_pipeline.observability.scrubbing import Scrubber


@contextmanager
def api_errors(client: anthropic.Anthropic, model: str) -> Iterator[None]:
    try:
        yield
    except anthropic.APIError as error:
        scrub(error, Scrubber([getattr(client, "api_key", None), getattr(client, "auth_token", None)]))
        if isinstance(error, anthropic.APIStatusError) and (fix := config_error(error, model)):
            raise fix from error
        raise


def scrub(error: anthropic.APIError, scrubber: Scrubber) -> None:
    """In place, so the error keeps its type: message, args and body without a secret, and no
    chained transport error (whose text the SDK does not control)."""
    error.message = scrubber.text(error.message)
    error.args = tuple(scrubber.scrub(arg) for arg in error.args)
    error.body = scrubber.scrub(error.body)
    error.__cause__, error.__context__, error.__suppress_context__ = None, None, True


def config_error(error: anthropic.APIStatusError, model: str) -> CopywriterConfigError | None:
    """A message that says what to fix for errors no retry can cure; None for the others."""
    ref = f" (request id {error.request_id})" if error.request_id else ""
    if isinstance(error, anthropic.NotFoundError):
        text = f"model {model!r} is retired or unknown: set a current model id in the copywriter settings"
    elif isinstance(error, anthropic.AuthenticationError):
        text = "ANTHROPIC_API_KEY is invalid: set a valid key (or POD_COPYWRITER=offline)"
    elif isinstance(error, anthropic.PermissionDeniedError):
        text = f"the API key may not use model {model!r}: check the key's workspace and permissions"
    elif isinstance(error, anthropic.BadRequestError):
        text = f"the API rejected the request as invalid: {_api_message(error)}; check the model id and settings"
    else:
        return None
    return CopywriterConfigError(text + ref)


def _api_message(error: anthropic.APIStatusError) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    detail = body.get("error", body)
    return detail.get("message", str(error)) if isinstance(detail, dict) else str(error)
