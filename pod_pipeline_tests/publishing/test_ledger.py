"""Exactly-once create against the Gelato sandbox over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, now, product_id_for
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.publishing.ledger import CreateInProgress, create_body, ensure_created
from pod_pipeline.settings import load_settings

CREATE = "POST /v1/stores/{storeId}/products:create-from-template"
TSHIRT = "e1f3c9a2-7b54-4d0e-9a51-3f6b2d8c4e70"
CHECKSUM = "a" * 64


@pytest.fixture
def setup(tmp_path, gelato_sandbox):
    settings = load_settings()
    catalog = SqliteCatalog(tmp_path / "catalog.db")
    catalog.upsert_artwork(ArtworkRow(id="a1", user_id="u1", path="u1/a.png", version="v1"))
    client = GelatoClient("sandbox-key", ecommerce_url=gelato_sandbox.ecommerce_url,
                          product_url=gelato_sandbox.product_url)
    template = client.get_template(TSHIRT)
    body = create_body(template, title="Dunes at Dusk Tee", description="<p>Soft cotton.</p>", tags=["desert art"],
                       file_url="http://127.0.0.1:9/a.png", fit_method="slice", placeholders=None,
                       product_type=None, visible=False)
    row = ProductRow(id=product_id_for("a1", TSHIRT), artwork_id="a1", template_id=TSHIRT, user_id="u1",
                     status="pending", title=body.title)
    catalog.upsert_product(row)
    yield settings, catalog, client, template, body, row
    client.close()


def test_body_lists_every_variant_with_the_artwork_on_the_front_only(setup):
    _, _, _, template, body, _ = setup
    assert [v.template_variant_id for v in body.variants] == [v.id for v in template.variants]
    assert all([p.name for p in v.image_placeholders] == ["ImageFront"] for v in body.variants)


def test_first_create_records_the_gelato_id_at_once(setup, gelato_sandbox):
    settings, catalog, client, template, body, row = setup
    titles = [v.title for v in template.variants]
    product = ensure_created(client, catalog, settings.store_id, row, body, titles, CHECKSUM)
    stored = catalog.get_product(row.id)
    assert stored.gelato_product_id == product.id and stored.create_attempts == 1
    again = ensure_created(client, catalog, settings.store_id, row, body, titles, CHECKSUM)  # a re-run adopts it
    assert again.id == product.id
    assert gelato_sandbox.call_counts()[CREATE] == 1


POSTER = "c12a363e-0d4e-4d96-be4b-bf4138eb8743"


def test_an_ambiguous_create_is_adopted_from_the_store_not_sent_again(setup, gelato_sandbox):
    settings, catalog, client, template, body, row = setup
    titles = [v.title for v in template.variants]
    # The POST reached Gelato but its answer was lost: the intent is recorded, the id is not.
    catalog.update_product(row.id, status="creating", create_attempts=1, intent_at=now(),
                           lease_until=now() + timedelta(seconds=120))
    reached_gelato = client.create_product(settings.store_id, body)
    # Decoys made later, so they sit first in the newest-first list: the same title on another
    # template, and the same title and template already owned by another catalog row.
    poster = client.get_template(POSTER)
    client.create_product(settings.store_id, body.model_copy(update={
        "template_id": POSTER, "variants": create_body(poster, title=body.title, description="<p>d</p>", tags=[],
                                                      file_url="http://127.0.0.1:9/a.png", fit_method="slice",
                                                      placeholders=None, product_type=None, visible=False).variants}))
    owned = client.create_product(settings.store_id, body)
    catalog.upsert_artwork(ArtworkRow(id="a2", user_id="u2", path="u2/a.png", version="v1"))
    catalog.upsert_product(ProductRow(id=product_id_for("a2", TSHIRT), artwork_id="a2", template_id=TSHIRT,
                                      user_id="u2", status="active", title=body.title, gelato_product_id=owned.id))
    gelato_sandbox.reset_calls()
    adopted = ensure_created(client, catalog, settings.store_id, row, body, titles, CHECKSUM)
    assert adopted.id == reached_gelato.id
    assert catalog.get_product(row.id).gelato_product_id == reached_gelato.id
    assert CREATE not in gelato_sandbox.call_counts()
    assert gelato_sandbox.call_counts()["GET /v1/stores/{storeId}/products"] >= 1


def test_an_intent_that_never_reached_gelato_is_created_once(setup, gelato_sandbox):
    settings, catalog, client, template, body, row = setup
    titles = [v.title for v in template.variants]
    # A run crashed after its claim and before the POST; the claim has expired.
    catalog.update_product(row.id, status="creating", create_attempts=1, intent_at=now() - timedelta(minutes=10),
                           lease_until=now() - timedelta(minutes=8))
    product = ensure_created(client, catalog, settings.store_id, row, body, titles, CHECKSUM)
    assert catalog.get_product(row.id).gelato_product_id == product.id
    assert catalog.get_product(row.id).create_attempts == 2
    assert gelato_sandbox.call_counts()[CREATE] == 1


def test_a_run_racing_a_fresh_claim_waits_instead_of_posting(setup, gelato_sandbox):
    settings, catalog, client, template, body, row = setup
    titles = [v.title for v in template.variants]
    assert catalog.claim_create(row.id, lease_seconds=120) == 1  # run A is mid-POST
    with pytest.raises(CreateInProgress):
        ensure_created(client, catalog, settings.store_id, row, body, titles, CHECKSUM)  # run B
    assert CREATE not in gelato_sandbox.call_counts()
    assert catalog.claim_create(row.id, lease_seconds=120) is None
    catalog.update_product(row.id, lease_until=now() - timedelta(seconds=1))  # run A died; its lease ran out
    assert catalog.claim_create(row.id, lease_seconds=120) == 2  # an expired claim can be taken over
