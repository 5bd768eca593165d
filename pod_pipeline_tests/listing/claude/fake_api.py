"""A fake Anthropic Messages API on loopback: scripted replies, every request recorded.

Tests queue replies (`reply_tool`, `reply_refusal`, `reply_error`, ...) and then read
`requests` to check what the copywriter sent. Bodies follow the public API shapes.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pod_pipeline.tools.serving import BackgroundServer

_ids = itertools.count(1)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    json: dict | None


@dataclass
class _Scripted:
    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)


class FakeAnthropic:
    def __init__(self, known_models: dict[str, str] | None = None, *, api_key: str | None = None,
                 echo_api_key: bool = False) -> None:
        # With `api_key`, any other key is refused (401). With `echo_api_key`, every error quotes
        # the caller's key back, as a careless proxy or a debug build might.
        self.api_key, self.echo_api_key = api_key, echo_api_key
        self.replies: deque[_Scripted] = deque()
        self.requests: list[Recorded] = []
        # model id -> lifecycle; ids not listed answer 404 on GET /v1/models/{id}
        self.models = dict(known_models or {"claude-haiku-5-5": "active"})
        self.app = Starlette(routes=[
            Route("/v1/messages", self._messages, methods=["POST"]),
            Route("/v1/messages/batches", self._create_batch, methods=["POST"]),
            Route("/v1/messages/batches/{batch_id}", self._batch, methods=["GET"]),
            Route("/v1/messages/batches/{batch_id}/results", self._batch_results, methods=["GET"]),
            Route("/v1/models/{model_id:path}", self._model, methods=["GET"]),
        ])
        # Batches: each created batch takes the next script (polls before it ends, result rows).
        self.batch_scripts: deque[tuple[int, Callable[[list[dict]], list[dict]]]] = deque()
        self.batches: dict[str, dict] = {}
        self.server = BackgroundServer(self.app, name="fake-anthropic")

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> "FakeAnthropic":
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def message_requests(self) -> list[dict]:
        return [r.json for r in self.requests if r.path == "/v1/messages"]

    # --- scripting ---------------------------------------------------------------------------
    def reply_tool(self, tool_input: dict, *, model: str = "claude-haiku-5-5", stop_reason: str = "tool_use",
                   input_tokens: int = 1800, output_tokens: int = 300) -> None:
        content = [{"type": "tool_use", "id": f"toolu_{next(_ids):04d}", "name": "emit_listing", "input": tool_input}]
        self._message(content, stop_reason, model, input_tokens, output_tokens)

    def reply_text(self, text: str, *, stop_reason: str = "end_turn", model: str = "claude-haiku-5-5") -> None:
        self._message([{"type": "text", "text": text}] if text else [], stop_reason, model, 1800, 40)

    def reply_refusal(self, model: str = "claude-haiku-5-5") -> None:
        self.reply_text("", stop_reason="refusal", model=model)

    def reply_truncated(self, partial: dict, model: str = "claude-haiku-5-5") -> None:
        self.reply_tool(partial, stop_reason="max_tokens", model=model, output_tokens=2048)

    def reply_error(self, status: int, error_type: str, message: str, headers: dict[str, str] | None = None) -> None:
        body = {"type": "error", "error": {"type": error_type, "message": message}, "request_id": _request_id()}
        self.replies.append(_Scripted(status, body, dict(headers or {})))

    def _message(self, content: list[dict], stop_reason: str, model: str, input_tokens: int, output_tokens: int) -> None:
        body = {
            "id": f"msg_{next(_ids):04d}", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop_reason, "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }
        self.replies.append(_Scripted(200, body))

    # --- endpoints ---------------------------------------------------------------------------
    async def _record(self, request: Request) -> JSONResponse | None:
        body = await request.json() if request.method == "POST" else None
        self.requests.append(Recorded(request.method, request.url.path, dict(request.headers), body))
        auth = request.headers.get("authorization", "")
        given = request.headers.get("x-api-key") or auth.removeprefix("Bearer ")
        if not given or (self.api_key is not None and given != self.api_key):
            return self._error(request, 401, "authentication_error", "invalid x-api-key")
        return None

    def _error(self, request: Request, status: int, error_type: str, message: str,
               headers: dict[str, str] | None = None) -> JSONResponse:
        if self.echo_api_key:
            message += f" (you sent x-api-key: {request.headers.get('x-api-key') or request.headers.get('authorization')})"
        return _error(status, error_type, message, headers)

    async def _messages(self, request: Request) -> JSONResponse:
        if denied := await self._record(request):
            return denied
        if not self.replies:
            return self._error(request, 500, "api_error", "fake: no scripted reply left", {"x-should-retry": "false"})
        scripted = self.replies.popleft()
        if scripted.status >= 400 and self.echo_api_key:
            error = scripted.body["error"]
            return self._error(request, scripted.status, error["type"], error["message"], scripted.headers)
        request_id = scripted.body.get("request_id") or _request_id()
        return JSONResponse(scripted.body, status_code=scripted.status,
                            headers={"request-id": request_id, **scripted.headers})

    def script_batch(self, rows: Callable[[list[dict]], list[dict]], polls: int = 1) -> None:
        """`rows(submitted_requests)` returns the result rows (in any order) once the batch ends."""
        self.batch_scripts.append((polls, rows))

    def _batch_body(self, batch_id: str) -> dict:
        batch = self.batches[batch_id]
        ended = batch["polls"] <= 0
        counts = {k: 0 for k in ("processing", "succeeded", "errored", "canceled", "expired")}
        for row in batch["rows"] if ended else []:
            counts[row["result"]["type"]] += 1
        counts["processing"] = 0 if ended else len(batch["requests"])
        return {
            "id": batch_id, "type": "message_batch", "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts, "created_at": "2026-11-25T10:00:00Z", "expires_at": "2026-11-26T10:00:00Z",
            "ended_at": "2026-11-25T10:30:00Z" if ended else None, "archived_at": None, "cancel_initiated_at": None,
            "results_url": f"{self.base_url}/v1/messages/batches/{batch_id}/results" if ended else None,
        }

    async def _create_batch(self, request: Request) -> JSONResponse:
        if denied := await self._record(request):
            return denied
        polls, rows = self.batch_scripts.popleft()
        batch_id = f"msgbatch_{next(_ids):04d}"
        submitted = self.requests[-1].json["requests"]
        self.batches[batch_id] = {"polls": polls, "requests": submitted, "rows": rows(submitted)}
        return JSONResponse(self._batch_body(batch_id), headers={"request-id": _request_id()})

    async def _batch(self, request: Request) -> JSONResponse:
        if denied := await self._record(request):
            return denied
        batch_id = request.path_params["batch_id"]
        body = self._batch_body(batch_id)
        self.batches[batch_id]["polls"] -= 1
        return JSONResponse(body, headers={"request-id": _request_id()})

    async def _batch_results(self, request: Request) -> Response:
        if denied := await self._record(request):
            return denied
        rows = self.batches[request.path_params["batch_id"]]["rows"]
        jsonl = "".join(json.dumps(row) + "\n" for row in rows)
        return Response(jsonl, media_type="application/binary", headers={"request-id": _request_id()})

    async def _model(self, request: Request) -> JSONResponse:
        if denied := await self._record(request):
            return denied
        model_id = request.path_params["model_id"]
        if model_id not in self.models:
            return self._error(request, 404, "not_found_error", f"model: {model_id}")
        lifecycle = self.models[model_id]
        body = {
            "type": "model", "id": model_id, "display_name": model_id, "created_at": "2026-05-01T00:00:00Z",
            "lifecycle": lifecycle,
            "deprecated_at": None if lifecycle == "active" else "2026-09-01T00:00:00Z",
            "retires_at": "2026-12-31T00:00:00Z" if lifecycle == "deprecated" else None,
        }
        return JSONResponse(body, headers={"request-id": _request_id()})


def tool_message(tool_input: dict, stop_reason: str = "tool_use", model: str = "claude-haiku-5-5") -> dict:
    """A Message body as a batch row carries it."""
    return {
        "id": f"msg_{next(_ids):04d}", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "tool_use", "id": f"toolu_{next(_ids):04d}", "name": "emit_listing", "input": tool_input}],
        "stop_reason": stop_reason, "stop_sequence": None, "usage": {"input_tokens": 1800, "output_tokens": 300},
    }


def _request_id() -> str:
    return f"req_{next(_ids):08d}"


def _error(status: int, error_type: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    request_id = _request_id()
    body = {"type": "error", "error": {"type": error_type, "message": message}, "request_id": request_id}
    return JSONResponse(body, status_code=status, headers={"request-id": request_id, **(headers or {})})
