"""`ClaudeCopywriter`: listing copy written by Claude looking at the artwork.

The model is asked once, its copy checked in code (`listing_violations`), and re-asked at most
once with the specific violations; what still fails is repaired deterministically or rejected
with a readable reason. It never returns a listing that breaks the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import anthropic
from pydantic import ValidationError

from pod_pipeline.listing.claude.errors import api_errors
from pod_pipeline.listing.claude.prompt import (
    PROMPT_VERSION,
    SYSTEM,
    TOOL_NAME,
    listing_tool,
    prepare_image,
    prompt_version_for,
    user_content,
)
from pod_pipeline.listing.copywriter import CopyRejected, CopyResult, CopywriterConfigError, effective_rules
from pod_pipeline.listing.model import CopyRequest, Listing
from pod_pipeline.listing.rules import listing_violations, repair_listing
from pod_pipeline.ratelimit import ANTHROPIC, NO_LIMIT, RateLimiter
from pod_pipeline.settings.model import ListingRules

# List prices in USD per million tokens (input, output), late 2026. Keyed by model id; dated
# snapshots ("claude-haiku-4-5-20251001") match their alias by prefix.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "claude-haiku-5-5": (0.10, 0.50),
    "claude-sonnet-5-5": (2.0, 10.0),
    "claude-opus-5-5": (4.0, 20.0),
    "claude-haiku-4-5": (1.0, 5.0),
}
# Models that always think reject a forced tool_choice; they get "auto" plus the system prompt's
# "always call emit_listing", and a reply without the tool is handled like any other miss.
THINKING_ALWAYS_ON = ("claude-opus-5-5",)
DEFAULT_MAX_TOKENS = 2048


def estimate_cost(model: str, input_tokens: int, output_tokens: int) -> float:
    """Cost in USD at list price; 0.0 for a model missing from the table (reported, not guessed)."""
    key = max((k for k in PRICES_PER_MTOK if model.startswith(k)), key=len, default=None)
    if key is None:
        return 0.0
    price_in, price_out = PRICES_PER_MTOK[key]
    return round((input_tokens * price_in + output_tokens * price_out) / 1_000_000, 8)


@dataclass
class _Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    request_ids: list[str] = field(default_factory=list)

    def add(self, message: anthropic.types.Message) -> None:
        self.input_tokens += message.usage.input_tokens
        self.output_tokens += message.usage.output_tokens
        if getattr(message, "_request_id", None):  # set by the SDK from the `request-id` header
            self.request_ids.append(message._request_id)


@dataclass
class _Reply:
    """One answer: a parsed listing with its violations, or why there is none."""

    message: anthropic.types.Message
    listing: Listing | None = None
    violations: list[str] = field(default_factory=list)
    failure: str | None = None  # refusal, truncation, no tool call
    tool_use_id: str | None = None


class ClaudeCopywriter:
    name = "claude"

    def __init__(
        self,
        client: anthropic.Anthropic,
        model: str,
        rules: ListingRules,
        prompt_version: str = PROMPT_VERSION,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        rate_limiter: RateLimiter = NO_LIMIT,
    ) -> None:
        self.client, self.model, self.rules = client, model, rules
        self.prompt_version, self.max_tokens = prompt_version, max_tokens
        # The request budget shared with the other workers; the SDK's own retries of a call are
        # paced by the API's retry-after instead.
        self.rate_limiter = rate_limiter

    def write(self, request: CopyRequest) -> CopyResult:
        rules, wanted = effective_rules(self.rules, request), request.marketplaces
        messages = self.first_messages(request)
        usage = _Usage()
        first = self._ask(messages, rules, usage, wanted)
        if first.listing is not None and not first.violations:
            return self._result(first.listing, usage, repaired=False, request=request)
        if first.tool_use_id is not None:
            # Re-ask in the same conversation: the model sees its own tool call and exactly what
            # broke, which fixes most replies without starting over.
            messages = [*messages, _assistant_turn(first.message), _violations_turn(first)]
        # A refusal or truncated reply has nothing to correct: ask the same question again.
        second = self._ask(messages, rules, usage, wanted)
        if second.listing is None:
            raise CopyRejected(second.failure or "the model gave no listing")
        if not second.violations:
            return self._result(second.listing, usage, repaired=False, request=request)
        repaired = repair_listing(second.listing, rules, wanted)
        if problems := listing_violations(repaired, rules, wanted):
            raise CopyRejected("the model's listing breaks the rules even after a re-ask and repair", problems)
        return self._result(repaired, usage, repaired=True, request=request)

    def params(self, messages: list[dict], marketplaces: list[str] = ()) -> dict:
        """The Messages API parameters for `messages` (also what a batch row sends)."""
        thinking = self.model.startswith(THINKING_ALWAYS_ON)
        choice = {"type": "auto"} if thinking else {"type": "tool", "name": TOOL_NAME}
        # No temperature/top_p/top_k and no assistant prefill: the SDK and newer models reject
        # them; the tool schema and the checks in code give the determinism instead.
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": SYSTEM,
            "messages": messages,
            "tools": [listing_tool(list(marketplaces))],
            "tool_choice": choice,
        }

    def first_messages(self, request: CopyRequest) -> list[dict]:
        rules = effective_rules(self.rules, request)
        jpeg = prepare_image(request.preview_jpeg) if request.preview_jpeg else None
        return [{"role": "user", "content": user_content(request, rules, jpeg)}]

    def accept(self, message: anthropic.types.Message, request: CopyRequest, price_factor: float = 1.0) -> CopyResult | None:
        """The result for a reply that is valid as it stands (a batch row), else None."""
        reply = _read_reply(message, effective_rules(self.rules, request), request.marketplaces)
        if reply.listing is None or reply.violations:
            return None
        usage = _Usage()
        usage.add(message)
        result = self._result(reply.listing, usage, repaired=False, request=request)
        return result.model_copy(update={"cost_usd": round(result.cost_usd * price_factor, 8)})

    def _ask(self, messages: list[dict], rules: ListingRules, usage: _Usage, wanted: list[str]) -> _Reply:
        self.rate_limiter.acquire(ANTHROPIC)
        # 429/5xx after the SDK's own retries stay retryable by Dagster; see errors.py.
        with api_errors(self.client, self.model):
            message = self.client.messages.create(**self.params(messages, wanted))
        usage.add(message)
        return _read_reply(message, rules, wanted)

    def _result(self, listing: Listing, usage: _Usage, repaired: bool, request: CopyRequest) -> CopyResult:
        # A writer built with its own prompt version (tests, experiments) keeps it.
        version = prompt_version_for(request) if self.prompt_version == PROMPT_VERSION else self.prompt_version
        return CopyResult(
            listing=listing,
            copywriter=self.name,
            model=self.model,
            prompt_version=version,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=estimate_cost(self.model, usage.input_tokens, usage.output_tokens),
            request_id=usage.request_ids[-1] if usage.request_ids else None,
            repaired=repaired,
        )


def _read_reply(message: anthropic.types.Message, rules: ListingRules, wanted: list[str]) -> _Reply:
    if message.stop_reason == "refusal":
        return _Reply(message, failure="the model refused to write copy for this artwork")
    if message.stop_reason == "max_tokens":
        # The tool input is cut off mid-JSON: not usable even if it happens to parse.
        return _Reply(message, failure="the reply was cut off at max_tokens (raise max_tokens)")
    block = next((b for b in message.content if b.type == "tool_use" and b.name == TOOL_NAME), None)
    if block is None:
        return _Reply(message, failure=f"the model answered without calling {TOOL_NAME}")
    try:
        listing = Listing.model_validate(_only_wanted(block.input, wanted))
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in error.errors()]
        return _Reply(message, violations=problems, tool_use_id=block.id, listing=None,
                      failure="the model's listing does not match the schema: " + "; ".join(problems))
    return _Reply(message, listing=listing, violations=listing_violations(listing, rules, wanted),
                  tool_use_id=block.id)


def _only_wanted(tool_input: object, wanted: list[str]) -> object:
    """Versions for marketplaces nobody asked for are dropped, not trusted."""
    if isinstance(tool_input, dict) and isinstance(tool_input.get("marketplaces"), dict):
        kept = {m: v for m, v in tool_input["marketplaces"].items() if m in wanted}
        return {**tool_input, "marketplaces": kept}
    return tool_input


def _assistant_turn(message: anthropic.types.Message) -> dict:
    # Sent back unchanged (thinking blocks included) because the API checks them.
    return {"role": "assistant", "content": [b.model_dump(mode="json", exclude_none=True) for b in message.content]}


def _violations_turn(reply: _Reply) -> dict:
    text = "The listing breaks these rules; call emit_listing again with all of them fixed:\n" + "\n".join(
        f"- {v}" for v in reply.violations
    )
    return {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": reply.tool_use_id, "is_error": True, "content": text}],
    }
