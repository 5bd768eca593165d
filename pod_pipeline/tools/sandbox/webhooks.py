"""Gelato-style webhook delivery: a JSON POST with one static secret header (no HMAC), any 2xx
is success, a fixed number of attempts at a fixed spacing, then the event is lost."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from pod_pipeline.tools.sandbox.state import SandboxState, new_id


def product_event(event: str, product: dict[str, Any]) -> dict[str, Any]:
    # The store product object, but `id` is the event id and the product id moves.
    payload = {k: v for k, v in product.items() if k != "id"}
    return {"id": new_id(), "event": event, "storeProductId": product["id"], **payload}


def deleted_event(store_id: str, product_id: str) -> dict[str, Any]:
    return {"id": new_id(), "event": "store_product_deleted", "storeProductId": product_id, "storeId": store_id}


def emit(state: SandboxState, payload: dict[str, Any]) -> None:
    if not state.config.webhook_url:
        return
    faults = state.faults
    if faults.roll("rate_webhook_drop"):
        state.log_webhook({"eventId": payload["id"], "event": payload["event"],
                           "storeProductId": payload["storeProductId"], "status": payload.get("status"),
                           "attempts": 0, "delivered": False, "lastError": "dropped (fault)", "finishedAt": time.time()})
        return
    copies = 2 if faults.roll("rate_webhook_duplicate") else 1
    for _ in range(copies):
        delay = faults.uniform(faults.knobs.webhook_delay_seconds) if faults.roll("rate_webhook_delay") else 0.0
        state.spawn(_deliver(state, payload, delay))


async def _deliver(state: SandboxState, payload: dict[str, Any], delay: float = 0.0) -> None:
    if delay:  # held back: a later event may arrive first
        await asyncio.sleep(delay)
    config = state.config
    headers = {}
    if config.webhook_secret is not None:
        headers[config.webhook_header_name] = config.webhook_secret
    entry = {"eventId": payload["id"], "event": payload["event"], "storeProductId": payload["storeProductId"],
             "status": payload.get("status"), "attempts": 0, "delivered": False, "lastError": None}
    for attempt in range(1, config.webhook_attempts + 1):
        if attempt > 1:
            await asyncio.sleep(config.webhook_retry_seconds)
        entry["attempts"] = attempt
        try:
            assert state.http is not None
            response = await state.http.post(
                config.webhook_url, json=payload, headers=headers, timeout=config.webhook_timeout_seconds
            )
            if response.is_success:
                entry["delivered"] = True
                break
            entry["lastError"] = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            entry["lastError"] = f"{type(exc).__name__}: {exc}"
    entry["finishedAt"] = time.time()
    state.log_webhook(entry)
