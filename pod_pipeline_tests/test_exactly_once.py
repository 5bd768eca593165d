"""Exactly-once create under every ambiguous failure the sandbox can produce, and under racing
publishers: the intent ledger, the shortened lease, and the reconcile before any new POST."""

from __future__ import annotations

import threading
import time

import pytest

from pod_pipeline.catalog.postgres import PostgresCatalog
from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, product_id_for
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.gelato.errors import GelatoAmbiguousCreate
from pod_pipeline.publishing.ledger import CreateInProgress, create_body, ensure_created
from pod_pipeline.settings.publishing import PublishingSettings
from pod_pipeline_tests.publishing.test_following import POSTER, STORE, client_for, sandbox

CREATE = "POST /v1/stores/{storeId}/products:create-from-template"
USER = "6a0c3a8e-4d8b-4f43-9a51-5a3d3bb1c001"
CHECKSUM = "b" * 64
GRACE = PublishingSettings(ambiguous_retry_seconds=0.3, create_lease_seconds=30)


@pytest.fixture(params=["sqlite", "postgres"])
def catalog(request, tmp_path):
    db = (SqliteCatalog(tmp_path / "catalog.db") if request.param == "sqlite"
          else PostgresCatalog(request.getfixturevalue("database_url")))
    db.upsert_artwork(ArtworkRow(id="art-1", user_id=USER, path=f"{USER}/a.png", version="v1"))
    return db


_templates: dict = {}


def publish_once(client, catalog, file_url, title="Exactly once poster"):
    template = _templates.get(POSTER) or _templates.setdefault(POSTER, client.get_template(POSTER))
    body = create_body(template, title=title, description="<p>d</p>", tags=[], file_url=file_url,
                       fit_method="slice", placeholders=None, product_type=None, visible=False)
    row = ProductRow(id=product_id_for("art-1", POSTER), artwork_id="art-1", template_id=POSTER, user_id=USER,
                     status="pending", title=title)
    catalog.upsert_product(row)
    return ensure_created(client, catalog, STORE, row, body, [v.title for v in template.variants], CHECKSUM, GRACE)


@pytest.mark.parametrize("fault, made_by_first_post", [
    ({"rate_lost_create": 1.0, "hang_seconds": 1.0}, True),  # processed, the answer lost (504 after a hang)
    ({"rate_timeout": 1.0, "hang_seconds": 2.0}, False),  # the client times out, nothing processed
    ({"rate_5xx": 1.0}, False),  # 500/502/503 after the request was sent
])
def test_an_ambiguous_create_is_reconciled_and_never_duplicated(catalog, print_file_url, fault, made_by_first_post):
    with sandbox(publish_delay_seconds=0.1) as server, \
            client_for(server, timeout_seconds=1.5, max_attempts=1) as client:
        _templates[POSTER] = client.get_template(POSTER)  # the cached template, as runs read it
        server.set_faults(**fault)
        with pytest.raises(GelatoAmbiguousCreate):
            publish_once(client, catalog, print_file_url)
        row = catalog.get_product(product_id_for("art-1", POSTER))
        assert (row.status, row.create_attempts, row.gelato_product_id) == ("creating", 1, None)  # intent kept
        server.set_faults(rate_lost_create=0.0, rate_timeout=0.0, rate_5xx=0.0)

        if made_by_first_post:
            product = publish_once(client, catalog, print_file_url)  # found in the store: adopted at once
        else:
            with pytest.raises(CreateInProgress):  # not in the store, but Gelato may still be making it
                publish_once(client, catalog, print_file_url)
            time.sleep(0.4)
            product = publish_once(client, catalog, print_file_url)  # grace over: looks again, then POSTs

        assert server.state.product_count() == 1
        stored = catalog.get_product(row.id)
        assert stored.gelato_product_id == product.id
        assert stored.create_attempts == (1 if made_by_first_post else 2)  # the ledger tells what happened
        assert server.call_counts()[CREATE] == (1 if made_by_first_post else 2)
        assert publish_once(client, catalog, print_file_url).id == product.id  # a re-run adopts
        assert server.state.product_count() == 1


def test_racing_publishers_make_one_product(catalog, print_file_url):
    with sandbox(publish_delay_seconds=0.1, latency_seconds=0.2) as server:
        results, start = [], threading.Barrier(4)

        def racer():
            with client_for(server) as client:
                start.wait()
                try:
                    results.append(publish_once(client, catalog, print_file_url).id)
                except CreateInProgress:
                    results.append("waits")

        threads = [threading.Thread(target=racer) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        made = [r for r in results if r != "waits"]
        assert server.state.product_count() == 1 and server.call_counts()[CREATE] == 1
        assert len(set(made)) == 1 and len(results) == 4
        with client_for(server) as client:  # the losers, retried, adopt the winner's product
            assert publish_once(client, catalog, print_file_url).id == made[0]
