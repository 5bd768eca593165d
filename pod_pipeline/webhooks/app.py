"""`create_webhook_app`: the ASGI app behind `pod-pipeline webhooks --port N`.

Answers:
* 401: no secret header; 403: a wrong one (compared in constant time). Gelato has no HMAC: the
  dashboard adds one static header of the seller's choosing to every call.
* 413: a body over `max_body_bytes` (checked on Content-Length and while reading).
* 400: not JSON, not an object, or not a store-product/template event we know (reason given).
* 200 `ignored`: the dashboard's test events (placeholder ids); nothing stored.
* 202 `stored` / 200 `duplicate`: stored once by event id. Gelato tries only 3 times, 5 s
  apart, so this path does one insert and nothing else; the status sensor does the rest.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any, Callable

from pydantic import TypeAdapter, ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.schemas import SchemaGenerator

from pod_pipeline.catalog.base import Catalog
from pod_pipeline.observability.context import log_context
from pod_pipeline.storage.base import printable
from pod_pipeline.webhooks.events import StoreProductEvent, TemplateEvent, is_dashboard_test

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/gelato/webhooks"
DEFAULT_MAX_BODY_BYTES = 256 * 1024
BODY_SECONDS = 10.0  # Gelato's events are a few kB: anything slower is not Gelato
_EVENT = TypeAdapter(StoreProductEvent | TemplateEvent)


class BodyTooLarge(Exception):
    pass


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def storable(value: Any) -> Any:
    """The payload as every catalog can store it: Postgres text and jsonb hold neither NUL nor a
    lone surrogate (both valid in JSON), so those are kept as their escape text instead of
    making the insert fail and the event be lost after Gelato's three tries."""
    if isinstance(value, str):
        return value.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def openapi_document(routes) -> dict:
    """The served OpenAPI 3.1 document: paths from the handlers' docstrings, the event body from
    the very models that validate it, so a fuzzer draws events the receiver really accepts."""
    generator = SchemaGenerator({"openapi": "3.1.0",
                                 "info": {"title": "pod_pipeline Gelato webhook receiver", "version": "1"}})
    document = generator.get_schema(routes=routes)
    body = _EVENT.json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    document.setdefault("components", {}).setdefault("schemas", {}).update(body.pop("$defs"))
    document["paths"][WEBHOOK_PATH]["post"]["requestBody"]["content"]["application/json"] = {"schema": body}
    return document


def _refuse(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


def create_webhook_app(open_catalog: Callable[[], Catalog], secret: str, header_name: str = "signature",
                       max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Starlette:
    if not secret:
        raise ValueError("the webhook secret must not be empty: set GELATO_WEBHOOK_SECRET")
    expected = secret.encode()
    catalog = open_catalog()

    async def receive(request: Request) -> JSONResponse:
        """
        summary: Receive a Gelato webhook event
        description: Store-product and template events, stored once by event id.
        parameters:
          - {name: signature, in: header, required: true, description: the static secret header,
             schema: {type: string}}
        requestBody:
          required: true
          description: one store-product or template event (schema from webhooks.events)
          content:
            application/json: {}
        responses:
          202: {description: stored}
          200: {description: a redelivery (duplicate) or a dashboard test event (ignored)}
          400: {description: not JSON or not a known event shape}
          401: {description: secret header missing}
          403: {description: secret header wrong}
          408: {description: body not received in time}
          413: {description: body too large}
        """
        given = request.headers.get(header_name)
        if given is None:
            return _refuse(401, f"missing {header_name} header")
        if not hmac.compare_digest(given.encode(), expected):
            return _refuse(403, f"wrong {header_name} header")
        try:
            # A client that sends its body slowly cannot hold the connection for ever.
            body = await asyncio.wait_for(_read_limited(request, max_body_bytes), BODY_SECONDS)
        except BodyTooLarge:
            return _refuse(413, f"body over {max_body_bytes} bytes")
        except ClientDisconnect:
            return _refuse(400, "client disconnected")
        except asyncio.TimeoutError:
            return _refuse(408, f"body not received within {BODY_SECONDS} s")
        try:
            payload = storable(json.loads(body))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return _refuse(400, f"body is not JSON: {error}")
        except RecursionError:
            return _refuse(400, "body is nested too deeply to be a Gelato event")
        if not isinstance(payload, dict):
            return _refuse(400, "body must be a JSON object")
        if is_dashboard_test(payload):
            return JSONResponse({"ignored": "dashboard test event"})
        try:
            event = _EVENT.validate_python(payload)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()[:5])
            return _refuse(400, f"not a known Gelato event: {problems}")
        product_id = getattr(event, "store_product_id", None)
        with log_context(gelato_product_id=printable(product_id) if product_id else None):
            # The catalog call blocks (a database round trip): off the event loop.
            if not await run_in_threadpool(catalog.record_webhook_event, event.id, event.event, product_id, payload):
                return JSONResponse({"duplicate": event.id})
            log.info("stored %s %s (product %s)", event.event, printable(event.id), printable(product_id or ""))
        return JSONResponse({"stored": event.id}, status_code=202)

    async def health(request: Request) -> JSONResponse:
        """
        summary: Liveness
        responses:
          200: {description: the receiver is up}
        """
        return JSONResponse({"status": "ok"})

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(openapi_document(app.routes))

    app = Starlette(routes=[
        Route(WEBHOOK_PATH, receive, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"], include_in_schema=False),
    ])
    return app
