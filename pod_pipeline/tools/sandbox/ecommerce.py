"""Handlers of Gelato's e-commerce API (`/v1`): templates and store products."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from pod_pipeline.tools.sandbox import lifecycle, webhooks
from pod_pipeline.tools.sandbox.create_request import InvalidRequest, parse_create_request
from pod_pipeline.tools.sandbox.responses import error
from pod_pipeline.tools.sandbox.state import PlaceholderFile, SandboxState, StoredProduct, StoredVariant, new_id

MAX_LIMIT = 100  # Gelato's documented default and maximum page size
ORDERS = ("asc", "desc")
ORDER_BYS = ("createdAt", "updatedAt")
# Gelato's default order is undocumented; newest first is the sandbox's choice.
DEFAULT_ORDER, DEFAULT_ORDER_BY = "desc", "createdAt"


def _store_missing(state: SandboxState, request: Request) -> JSONResponse | None:
    store_id = request.path_params["storeId"]
    if store_id not in state.store_ids:
        return error(404, f"Store {store_id} not found")
    return None


async def get_template(request: Request, state: SandboxState) -> JSONResponse:
    template_id = request.path_params["templateId"]
    template = state.catalog.template_json(template_id)
    if template is None:
        return error(404, f"Template {template_id} not found")
    return JSONResponse(template)


def _variant_options(template: dict[str, Any]) -> list[dict[str, Any]]:
    options: dict[str, list[str]] = {}
    for variant in template["variants"]:
        for option in variant.get("variantOptions", []):
            values = options.setdefault(option["name"], [])
            if option["value"] not in values:
                values.append(option["value"])
    return [{"name": name, "values": values} for name, values in options.items()]


async def create_from_template(request: Request, state: SandboxState) -> JSONResponse:
    if missing := _store_missing(state, request):
        return missing
    try:
        body = await request.json()
    except ValueError:
        return error(400, "request body must be valid JSON")
    try:
        req = parse_create_request(body, state.catalog)
    except InvalidRequest as exc:
        return error(400, str(exc))

    product_id = new_id()
    template = req.template
    # Every template variant is created; the ones the caller did not list keep the template art.
    variants = [
        StoredVariant(
            id=new_id(),
            template_variant_id=tv["id"],
            title=tv["title"],
            product_uid=tv["productUid"],
            files={
                p["name"]: req.files.get(tv["id"], {}).get(p["name"], PlaceholderFile(None))
                for p in tv["imagePlaceholders"]
            },
        )
        for tv in template["variants"]
    ]
    now, seq = state.new_product_stamp()
    product = StoredProduct(
        id=product_id,
        store_id=request.path_params["storeId"],
        template_id=template["id"],
        title=req.title,
        description=req.description,
        tags=req.tags,
        is_visible=req.is_visible,
        sales_channels=req.sales_channels,
        product_type=req.product_type or template.get("productType"),
        vendor=req.vendor or template.get("vendor"),
        preview_url=f"https://gelato-api-live.s3.eu-west-1.amazonaws.com/ecommerce/store_products/{product_id}/preview.png",
        variants=variants,
        variant_options=_variant_options(template),
        created_at=now,
        updated_at=now,
        seq=seq,
    )
    snapshot = state.add_product(product)
    webhooks.emit(state, webhooks.product_event("store_product_created", snapshot))
    state.spawn(lifecycle.publish(state, product_id))
    return JSONResponse(snapshot)


async def get_product(request: Request, state: SandboxState) -> JSONResponse:
    if missing := _store_missing(state, request):
        return missing
    product = state.get_product(request.path_params["storeId"], request.path_params["productId"])
    if product is None:
        return error(404, f"Store product {request.path_params['productId']} not found")
    return JSONResponse(product)


def _int_param(request: Request, name: str, default: int, minimum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequest(f"'{name}' must be an integer") from None
    if value < minimum:
        raise InvalidRequest(f"'{name}' must be at least {minimum}")
    return value


async def list_products(request: Request, state: SandboxState) -> JSONResponse:
    if missing := _store_missing(state, request):
        return missing
    query = request.query_params
    try:
        offset = _int_param(request, "offset", 0, 0)
        # Above the maximum the page is clamped to 100 rather than rejected.
        limit = min(_int_param(request, "limit", MAX_LIMIT, 1), MAX_LIMIT)
    except InvalidRequest as exc:
        return error(400, str(exc))
    order = query.get("order", DEFAULT_ORDER)
    order_by = query.get("orderBy", DEFAULT_ORDER_BY)
    if order not in ORDERS:
        return error(400, f"'order' must be one of {', '.join(ORDERS)}")
    if order_by not in ORDER_BYS:
        return error(400, f"'orderBy' must be one of {', '.join(ORDER_BYS)}")
    products = state.list_products(request.path_params["storeId"], offset, limit, order_by, order == "desc")
    return JSONResponse({"products": products})


async def delete_product(request: Request, state: SandboxState) -> JSONResponse:
    if missing := _store_missing(state, request):
        return missing
    store_id, product_id = request.path_params["storeId"], request.path_params["productId"]
    if not state.delete_product(store_id, product_id):
        return error(404, f"Store product {product_id} not found")
    webhooks.emit(state, webhooks.deleted_event(store_id, product_id))
    # Undocumented response; an empty JSON object keeps clients that always parse JSON happy.
    return JSONResponse({})
