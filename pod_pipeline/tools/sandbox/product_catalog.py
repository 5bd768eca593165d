"""Handlers of Gelato's product catalog API (`/v3`): product info and base-cost tiers."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse

from pod_pipeline.tools.sandbox.responses import error
from pod_pipeline.tools.sandbox.state import SandboxState

_COUNTRY = re.compile(r"^[A-Z]{2}$")


async def get_product(request: Request, state: SandboxState) -> JSONResponse:
    uid = request.path_params["productUid"]
    if uid not in state.catalog.products:
        return error(404, f"Product {uid} not found")
    return JSONResponse(state.catalog.product_info(uid))


async def get_prices(request: Request, state: SandboxState) -> JSONResponse:
    uid = request.path_params["productUid"]
    if uid not in state.catalog.products:
        return error(404, f"Product {uid} not found")
    country = request.query_params.get("country", "").upper()
    currency = request.query_params.get("currency", "").upper()
    if not country:
        return error(400, "'country' is required (ISO 3166-1 alpha-2, e.g. GB)")
    if not _COUNTRY.match(country):
        return error(400, f"'country' {country!r} is not an ISO 3166-1 alpha-2 code")
    if not currency:
        return error(400, "'currency' is required (ISO 4217, e.g. EUR)")
    if currency not in state.catalog.currencies:
        return error(400, f"currency {currency} is not supported (use {', '.join(state.catalog.currencies)})")
    page_count = request.query_params.get("pageCount")
    if page_count is not None and not page_count.isdigit():
        return error(400, "'pageCount' must be a positive integer")
    # A country outside the catalog is simply not sold there: Gelato answers [] rather than 4xx.
    return JSONResponse(state.price_tiers(uid, country, currency))
