"""A store product's life after the create call: `created` -> `publishing` -> `active` or
`publishing_error`, run as a task on the server loop so the create request returns at once."""

from __future__ import annotations

import asyncio

from pod_pipeline.tools.sandbox import webhooks
from pod_pipeline.tools.sandbox.files import check_files
from pod_pipeline.tools.sandbox.state import SandboxState


async def publish(state: SandboxState, product_id: str) -> None:
    config = state.config
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.sleep(config.publish_delay_seconds / 2)

    snapshot = state.update_product(product_id, status="publishing")
    if snapshot is None:  # deleted while waiting
        return
    webhooks.emit(state, webhooks.product_event("store_product_updated", snapshot))

    urls = state.file_urls(product_id)
    assert state.http is not None
    error = await check_files(state.http, urls, config.fetch_timeout_seconds, config.max_file_bytes)

    # Publishing takes the configured time even when the files come back quickly.
    await asyncio.sleep(max(0.0, started + config.publish_delay_seconds - loop.time()))
    if state.faults.roll("rate_stuck_publishing"):
        await asyncio.sleep(state.faults.knobs.stuck_seconds)
    if not error and state.faults.roll("rate_publishing_error"):
        error = "sandbox_injected_publishing_error"
    if error:
        snapshot = state.update_product(product_id, status="publishing_error", publishing_error_code=error)
    else:
        snapshot = state.activate(product_id)
    if snapshot is None:
        return
    webhooks.emit(state, webhooks.product_event("store_product_updated", snapshot))
    if error:
        return
    # The store lists it later: active first, the listing id and connected variants after.
    await asyncio.sleep(config.listing_delay_seconds)
    snapshot = state.list_in_store(product_id, lambda: state.faults.roll("rate_variant_not_connected"))
    if snapshot is not None:
        webhooks.emit(state, webhooks.product_event("store_product_updated", snapshot))
