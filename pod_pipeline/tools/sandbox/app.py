"""The sandbox as one Starlette app: Gelato's endpoints behind the same auth, latency and fault
gate, plus unauthenticated `/_sandbox/*` admin endpoints that faults never touch."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import AsyncIterator, Awaitable, Callable

import httpx
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pod_pipeline.tools.sandbox import ecommerce, product_catalog
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.responses import error
from pod_pipeline.tools.sandbox.state import SandboxState

Handler = Callable[[Request, SandboxState], Awaitable[Response]]

# (method, path, handler). The path doubles as the call-count key: "GET /v1/templates/{templateId}".
GELATO_ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/v1/templates/{templateId}", ecommerce.get_template),
    # The colon is literal: Starlette escapes it, and `{storeId}` cannot swallow it since the
    # parameter stops at "/" and the literal suffix must still match.
    ("POST", "/v1/stores/{storeId}/products:create-from-template", ecommerce.create_from_template),
    ("GET", "/v1/stores/{storeId}/products", ecommerce.list_products),
    ("GET", "/v1/stores/{storeId}/products/{productId}", ecommerce.get_product),
    ("DELETE", "/v1/stores/{storeId}/products/{productId}", ecommerce.delete_product),
    ("GET", "/v3/products/{productUid}", product_catalog.get_product),
    ("GET", "/v3/products/{productUid}/prices", product_catalog.get_prices),
]


CREATE_ROUTE = "POST /v1/stores/{storeId}/products:create-from-template"


def _gelato_endpoint(state: SandboxState, method: str, path: str, handler: Handler) -> Callable:
    key = f"{method} {path}"

    async def endpoint(request: Request) -> Response:
        # Counted before anything can reject it: benchmarks want every call the client made.
        state.count_call(key)
        response = await answer(request)
        if state.faults.knobs.echo_api_key and response.status_code >= 400:
            echoed = request.headers.get("x-api-key", "")
            return error(response.status_code, f"{bytes(response.body).decode()} (request X-API-KEY: {echoed})",
                         {**({"Retry-After": response.headers["retry-after"]} if "retry-after" in response.headers
                             else {}), "X-Echo-Api-Key": echoed})
        return response

    async def answer(request: Request) -> Response:
        knobs = state.faults.knobs
        if knobs.latency_seconds:
            await asyncio.sleep(knobs.latency_seconds)
        # Faults come before auth, as a gateway in front of the API would answer them.
        if fault := state.faults.draw():
            return error(fault.status, fault.message, fault.headers)
        supplied = request.headers.get("x-api-key", "")
        if not secrets.compare_digest(supplied.encode(), state.config.api_key.encode()):
            return error(401, "Missing or invalid X-API-KEY header")
        if state.faults.roll("rate_timeout"):  # never processed: the client times out
            await asyncio.sleep(knobs.hang_seconds)
            return error(504, "Gateway timeout")
        response = await handler(request, state)
        if key == CREATE_ROUTE and response.status_code < 300 and state.faults.roll("rate_lost_create"):
            # The product exists now; the caller never learns its id.
            await asyncio.sleep(knobs.hang_seconds)
            return error(504, "Gateway timeout")
        return response

    return endpoint


def _admin_routes(state: SandboxState) -> list[Route]:
    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "products": state.product_count()})

    async def calls(request: Request) -> Response:
        return JSONResponse(state.call_counts())

    async def reset_calls(request: Request) -> Response:
        state.reset_calls()
        return JSONResponse({})

    async def faults(request: Request) -> Response:
        if request.method == "PUT":
            try:
                changes = await request.json()
                if not isinstance(changes, dict):
                    raise ValueError("body must be a JSON object of knob values")
                state.faults.update(changes)
            except ValidationError as exc:
                return error(400, f"invalid fault knobs: {exc.errors(include_url=False)}")
            except ValueError as exc:
                return error(400, f"invalid fault knobs: {exc}")
        return JSONResponse(state.faults.knobs.model_dump())

    async def costs(request: Request) -> Response:
        if request.method == "PUT":
            try:
                body = await request.json()
                changes = body.get("changes") if isinstance(body, dict) else None
                if not isinstance(changes, list):
                    raise ValueError('body must be {"changes": [{"productUid", "country", "factor"}, ...]}')
                state.set_cost_factors(changes)
            except (ValueError, KeyError, ArithmeticError) as exc:
                return error(400, f"invalid cost changes: {exc!r}")
        return JSONResponse(state.cost_factors())

    async def product_files(request: Request) -> Response:
        # Which file each variant/placeholder got: invisible through Gelato's own API.
        files = state.product_files(request.path_params["productId"])
        if files is None:
            return error(404, "unknown product")
        return JSONResponse(files)

    async def webhook_log(request: Request) -> Response:
        return JSONResponse(state.webhooks())

    return [
        Route("/_sandbox/health", health, methods=["GET"]),
        Route("/_sandbox/calls", calls, methods=["GET"]),
        Route("/_sandbox/reset-calls", reset_calls, methods=["POST"]),
        Route("/_sandbox/faults", faults, methods=["GET", "PUT"]),
        Route("/_sandbox/costs", costs, methods=["GET", "PUT"]),
        Route("/_sandbox/products/{productId}/files", product_files, methods=["GET"]),
        Route("/_sandbox/webhooks", webhook_log, methods=["GET"]),
    ]


def _routes(state: SandboxState) -> list[Route]:
    gelato = [
        Route(path, _gelato_endpoint(state, method, path, handler), methods=[method])
        for method, path, handler in GELATO_ROUTES
    ]
    return gelato + _admin_routes(state)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error(exc.status_code, exc.detail, exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    return error(500, f"sandbox bug: {type(exc).__name__}: {exc}")


def create_app(config: SandboxConfig | None = None, state: SandboxState | None = None) -> Starlette:
    config = config or SandboxConfig()
    state = state or SandboxState(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # trust_env=False: artwork usually sits on loopback, where a developer's HTTP(S)_PROXY
        # would only get in the way.
        async with httpx.AsyncClient(trust_env=False, follow_redirects=True) as client:
            state.http = client
            try:
                yield
            finally:
                await state.cancel_background()
                state.http = None

    app = Starlette(
        routes=_routes(state),
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.sandbox = state
    return app
