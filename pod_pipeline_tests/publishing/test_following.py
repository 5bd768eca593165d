"""The status sensor's work (`following.Follower`) against the real sandbox and the real webhook
receiver: transitions seen from webhooks and from polling, backoff, publishing errors, stalls,
deletions, template changes, and payloads that are never trusted."""

from __future__ import annotations

import time
from contextlib import ExitStack, contextmanager
from datetime import timedelta

import pytest

from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, VariantRow, now, product_id_for
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.publishing.following import Follower
from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.publishing.ledger import create_body
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.server import SandboxServer
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.settings.publishing import PublishingSettings
from pod_pipeline.webhooks.app import WEBHOOK_PATH, create_webhook_app

STORE = "6d1c9a3e-4f2b-4b8a-9e7d-0a5c3b2f1e84"
POSTER = "c12a363e-0d4e-4d96-be4b-bf4138eb8743"
SECRET = "hook-secret"
# Polls only when a test makes a product due: webhooks must be what moves it.
NO_POLLING = PublishingSettings(first_check_seconds=3600, max_check_interval_seconds=3600)
FAST = PublishingSettings(first_check_seconds=0.05, max_check_interval_seconds=0.2)


@pytest.fixture
def catalog(tmp_path):
    db = SqliteCatalog(tmp_path / "catalog.db")
    db.upsert_artwork(ArtworkRow(id="art-1", user_id="u1", path="u1/a.png", version="v1", status="publishing"))
    return db


@contextmanager
def sandbox(catalog=None, **config):
    """A running sandbox; with `catalog`, its webhooks go to a real receiver storing into it."""
    config.setdefault("publish_delay_seconds", 0.2)
    with ExitStack() as stack:
        if catalog is not None:
            receiver = stack.enter_context(BackgroundServer(create_webhook_app(lambda: catalog, SECRET)))
            config.update(webhook_secret=SECRET, webhook_url=receiver.base_url + WEBHOOK_PATH)
        yield stack.enter_context(SandboxServer(SandboxConfig(**config)))


def client_for(server, **kwargs) -> GelatoClient:
    return GelatoClient("sandbox-key", ecommerce_url=server.ecommerce_url, product_url=server.product_url,
                        backoff_base_seconds=0.01, **kwargs)


def create(client, catalog, file_url, template_id=POSTER, artwork_id="art-1", **row_fields) -> ProductRow:
    """A product made in the sandbox and recorded as the publishing run leaves it."""
    template = client.get_template(template_id)
    body = create_body(template, title=f"{artwork_id} {template.title}", description="<p>d</p>", tags=[],
                       file_url=file_url, fit_method="slice", placeholders=None,
                       product_type=None, visible=False)
    product = client.create_product(STORE, body)
    row = ProductRow(id=product_id_for(artwork_id, template_id), artwork_id=artwork_id, template_id=template_id,
                     user_id="u1", status="created", title=body.title, gelato_product_id=product.id,
                     **{"intent_at": now(), **row_fields})
    catalog.upsert_product(row)
    # The variants as the publishing run records them: before the store has connected any.
    catalog.replace_variants(row.id, [VariantRow(product_id=row.id, template_variant_id=variant.id, title=variant.title,
                                                 product_uid=variant.product_uid) for variant in template.variants])
    return catalog.get_product(row.id)


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_webhook_event_moves_a_product_to_live_without_polling(catalog, print_file_url):
    with sandbox(catalog) as server, client_for(server) as client:
        row = create(client, catalog, print_file_url, next_check_at=now() + timedelta(hours=1))
        # The event that says "listed" must itself be stored: the store may list the product a
        # moment before its event reaches the receiver, and an "active, unlisted" event earns no GET.
        wait_for(lambda: any(e.event == "store_product_updated" and e.payload.get("externalId")
                             for e in catalog.unprocessed_webhook_events()))  # listed
        server.reset_calls()
        report = Follower(catalog, client, STORE, NO_POLLING).tick()

        product = catalog.get_product(row.id)
        assert product.status == "active" and product.external_id and product.published_at
        assert [(t.old_status, t.new_status, t.source) for t in report.transitions] == [("created", "active", "webhook")]
        assert catalog.get_artwork("art-1").status == "published"
        assert catalog.unprocessed_webhook_events() == []
        # Several events for one product cost one GET: payloads are never trusted, the product is.
        assert server.call_counts() == {"GET /v1/stores/{storeId}/products/{productId}": 1}


def test_events_saying_the_product_is_still_being_made_cost_no_get(catalog, print_file_url):
    with sandbox(catalog, publish_delay_seconds=30) as server, client_for(server) as client:
        row = create(client, catalog, print_file_url, next_check_at=now() + timedelta(hours=1))
        wait_for(lambda: len(catalog.unprocessed_webhook_events()) >= 1)  # store_product_created
        server.reset_calls()
        report = Follower(catalog, client, STORE, NO_POLLING).tick()
        assert report.events_processed >= 1 and report.products_checked == 0
        assert server.call_counts() == {} and catalog.get_product(row.id).status == "created"


def test_polling_follows_a_product_with_backoff_when_no_webhook_comes(catalog, print_file_url):
    with sandbox(None, publish_delay_seconds=0.6) as server, client_for(server) as client:
        row = create(client, catalog, print_file_url)
        follower = Follower(catalog, client, STORE, PublishingSettings(first_check_seconds=0.3,
                                                                       max_check_interval_seconds=5))
        first = follower.tick()
        assert first.products_checked == 1
        polled = catalog.get_product(row.id)
        assert polled.status in ("created", "publishing") and polled.status_checks == 1
        assert timedelta(seconds=0.2) < polled.next_check_at - now() <= timedelta(seconds=0.3)
        assert follower.tick().products_checked == 0  # not due yet: the backoff holds
        time.sleep(0.35)
        second = follower.tick()
        assert second.products_checked == 1
        assert catalog.get_product(row.id).next_check_at - now() > timedelta(seconds=0.45)  # doubled
        wait_for(lambda: follower.tick() and catalog.get_product(row.id).status == "active")
        assert catalog.get_product(row.id).next_check_at is None  # settled: never polled again
        variants = catalog.variants_for(row.id)
        assert variants and all(v.connection_status == "connected" and v.gelato_variant_id for v in variants)


def test_a_publishing_error_is_recorded_with_its_code_and_the_artwork_fails(catalog, print_file_url):
    with sandbox(None, rate_publishing_error=1.0) as server, client_for(server) as client:
        row = create(client, catalog, print_file_url)
        wait_for(lambda: server.state.get_product(STORE, row.gelato_product_id)["status"] == "publishing_error")
        report = Follower(catalog, client, STORE, FAST).tick()
        product = catalog.get_product(row.id)
        assert product.status == "publishing_error"
        assert product.publishing_error_code == "sandbox_injected_publishing_error"
        assert "sandbox_injected_publishing_error" in product.reason
        assert report.transitions[0].source == "poll"
        artwork = catalog.get_artwork("art-1")
        assert artwork.status == "failed" and "sandbox_injected_publishing_error" in artwork.reason


def test_a_product_stuck_past_the_limit_is_stalled_then_goes_live_when_gelato_finishes(catalog, print_file_url):
    with sandbox(None, rate_stuck_publishing=1.0, stuck_seconds=600) as server, client_for(server) as client:
        row = create(client, catalog, print_file_url, intent_at=now() - timedelta(minutes=31))
        follower = Follower(catalog, client, STORE, PublishingSettings(first_check_seconds=0.01,
                                                                       max_check_interval_seconds=0.01))
        follower.tick()
        stalled = catalog.get_product(row.id)
        assert stalled.status == "stalled" and "after 31 min" in stalled.reason
        assert catalog.get_artwork("art-1").status == "failed"
        server.state.make_live(row.gelato_product_id)
        time.sleep(0.02)
        follower.tick()
        assert catalog.get_product(row.id).status == "active"
        assert catalog.get_artwork("art-1").status == "published"


def test_a_forged_or_stale_payload_is_not_trusted(catalog, print_file_url):
    with sandbox(None, publish_delay_seconds=60) as server, client_for(server) as client:
        row = create(client, catalog, print_file_url, next_check_at=now() + timedelta(hours=1))
        catalog.record_webhook_event("evt-forged", "store_product_updated", row.gelato_product_id,
                                     {"id": "evt-forged", "event": "store_product_updated", "status": "active",
                                      "externalId": "999", "storeProductId": row.gelato_product_id})
        catalog.record_webhook_event("evt-stranger", "store_product_updated", "not-ours", {"id": "evt-stranger"})
        report = Follower(catalog, client, STORE, NO_POLLING).tick()
        assert catalog.get_product(row.id).status in ("created", "publishing")  # what Gelato says, not the payload
        assert catalog.get_product(row.id).external_id is None
        assert report.events_processed == 2 and catalog.unprocessed_webhook_events() == []


def test_a_deleted_product_is_marked_and_flagged_for_republish(catalog, print_file_url):
    with sandbox(catalog) as server, client_for(server) as client:
        row = create(client, catalog, print_file_url, next_check_at=now() + timedelta(hours=1))
        wait_for(lambda: server.state.get_product(STORE, row.gelato_product_id)["status"] == "active")
        client.delete_product(STORE, row.gelato_product_id)
        wait_for(lambda: any(e.event == "store_product_deleted" for e in catalog.unprocessed_webhook_events()))
        Follower(catalog, client, STORE, NO_POLLING).tick()
        product = catalog.get_product(row.id)
        assert product.status == "deleted" and "deleted in Gelato" in product.republish_reason
        assert catalog.get_artwork("art-1").status == "failed"


MUG = "5b0e7d41-2c8a-4f63-b9d7-a6e1c30f9d25"


def template_event(catalog, event_id: str, change: str, template_id: str) -> None:
    event = f"store_product_template_{change}"
    catalog.record_webhook_event(event_id, event, None, {"id": event_id, "event": event, "templateId": template_id})


def test_a_template_change_flags_its_products_only(catalog, print_file_url):
    with sandbox() as server, client_for(server) as client:
        poster = create(client, catalog, print_file_url)
        mug = create(client, catalog, print_file_url, template_id=MUG)
        time.sleep(1.1)  # Gelato's times have whole seconds: the change comes after the products
        server.state.catalog.templates[POSTER]["updatedAt"] = now().strftime("%Y-%m-%dT%H:%M:%S+0000")
        template_event(catalog, "evt-t", "updated", POSTER)
        report = Follower(catalog, client, STORE, NO_POLLING).tick()
        assert report.templates_changed == [POSTER]
        assert "template" in catalog.get_product(poster.id).republish_reason
        assert catalog.get_product(mug.id).republish_reason is None


def test_forged_template_events_flag_nothing(catalog, print_file_url):
    # Issue 13, item 12: anyone with the shared secret could post `…_deleted` for a live template,
    # and the next run deleted and re-made its products. Gelato is asked first.
    with sandbox() as server, client_for(server) as client:
        poster = create(client, catalog, print_file_url)
        template_event(catalog, "evt-forged-delete", "deleted", POSTER)  # the template still exists
        template_event(catalog, "evt-forged-update", "updated", POSTER)  # unchanged since the product
        report = Follower(catalog, client, STORE, NO_POLLING).tick()
        assert report.transitions == []  # (an update may still refresh the template cache: harmless)
        assert catalog.get_product(poster.id).republish_reason is None
        assert catalog.unprocessed_webhook_events() == []

        del server.state.catalog.templates[POSTER]  # now it really is gone
        template_event(catalog, "evt-real-delete", "deleted", POSTER)
        Follower(catalog, client, STORE, NO_POLLING).tick()
        assert "deleted" in catalog.get_product(poster.id).republish_reason


def test_a_template_event_gelato_cannot_confirm_now_waits(catalog, print_file_url):
    with sandbox() as server, client_for(server, max_attempts=1) as client:
        create(client, catalog, print_file_url)
        template_event(catalog, "evt-t", "deleted", POSTER)
        server.set_faults(rate_5xx=1.0)
        Follower(catalog, client, STORE, NO_POLLING).tick()
        assert [e.id for e in catalog.unprocessed_webhook_events()] == ["evt-t"]


def test_a_failing_status_check_is_retried_later_and_never_blocks_the_rest(catalog, print_file_url):
    with sandbox() as server, client_for(server, max_attempts=1) as client:
        row = create(client, catalog, print_file_url)
        catalog.record_webhook_event("evt-1", "store_product_updated", row.gelato_product_id, {"id": "evt-1"})
        server.set_faults(rate_5xx=1.0)
        report = Follower(catalog, client, STORE, FAST).tick()
        assert report.check_errors == 1 and report.transitions == []
        assert catalog.get_product(row.id).next_check_at > now()
        assert catalog.unprocessed_webhook_events() == []  # polling owns it now
        server.set_faults(rate_5xx=0.0)
        wait_for(lambda: Follower(catalog, client, STORE, FAST).tick() is not None
                 and catalog.get_product(row.id).status == "active")


def test_each_product_is_looked_up_in_its_own_store_and_an_unknown_store_never_blocks_the_rest(
        catalog, print_file_url):
    with sandbox(None, publish_delay_seconds=0) as server, client_for(server, max_attempts=1) as client:
        mine = create(client, catalog, print_file_url, next_check_at=now() - timedelta(seconds=1))
        catalog.upsert_artwork(ArtworkRow(id="art-2", user_id="u1", path="u1/b.png", version="v1", status="publishing"))
        orphan = create(client, catalog, print_file_url, artwork_id="art-2", next_check_at=now() - timedelta(seconds=1))
        catalog.update_product(orphan.id, store="closed-shop")  # a store the settings no longer name
        server.reset_calls()
        report = Follower(catalog, client, {"main": STORE}, FAST).tick()
        assert report.products_checked == 2 and report.check_errors == 1
        assert sum(server.call_counts().values()) == 1  # the orphan is never sent to another store's URL
        assert catalog.get_product(orphan.id).next_check_at > now()  # still followed, backed off
        wait_for(lambda: Follower(catalog, client, {"main": STORE}, FAST).tick() is not None
                 and catalog.get_product(mine.id).status == "active")


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_processed_events_are_kept_a_month_then_purged(kind, request, tmp_path):
    from pod_pipeline.catalog.postgres import PostgresCatalog

    store = SqliteCatalog(tmp_path / "c.db") if kind == "sqlite" else \
        PostgresCatalog(request.getfixturevalue("database_url"))
    for name in ("old", "recent", "waiting"):
        store.record_webhook_event(name, "store_product_updated", "g-1", {"id": name})
    store.mark_webhook_events_processed(["old", "recent"])
    assert store.purge_webhook_events(now() - timedelta(days=30)) == 0  # both processed just now
    assert store.purge_webhook_events(now() + timedelta(seconds=1), limit=1) == 1  # bounded
    assert store.purge_webhook_events(now() + timedelta(seconds=1)) == 1
    assert [e.id for e in store.unprocessed_webhook_events()] == ["waiting"]  # never purged unprocessed


def test_active_but_not_yet_listed_is_not_live_and_unconnected_variants_stall(catalog, print_file_url):
    # Issue 13, item 17: the store lists a product after Gelato turns it active, and some variants
    # may never connect. Until listed it is still publishing, with the reason; a variant that
    # never connects leaves the product stalled with the count, still followed.
    settings = PublishingSettings(first_check_seconds=0.05, max_check_interval_seconds=0.1, stalled_after_seconds=2)
    with sandbox(None, publish_delay_seconds=0.1, listing_delay_seconds=60) as server, client_for(server) as client:
        row = create(client, catalog, print_file_url)
        follower = Follower(catalog, client, STORE, settings)
        wait_for(lambda: follower.tick() and "listing id" in (catalog.get_product(row.id).reason or ""))
        assert server.state.get_product(STORE, row.gelato_product_id)["status"] == "active"
        waiting = catalog.get_product(row.id)
        assert waiting.status == "publishing" and "waiting for the store's listing id" in waiting.reason
        assert waiting.external_id is None and catalog.get_artwork("art-1").status == "publishing"

        server.set_faults(rate_variant_not_connected=1.0)
        server.state.list_in_store(row.gelato_product_id, lambda: server.state.faults.roll("rate_variant_not_connected"))
        wait_for(lambda: follower.tick() and catalog.get_product(row.id).status == "stalled", timeout=10)
        stalled = catalog.get_product(row.id)
        assert stalled.external_id and "variants not connected" in stalled.reason
        assert stalled.next_check_at is not None  # still followed: a late connection makes it live
