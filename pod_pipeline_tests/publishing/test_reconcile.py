"""`reconcile`: the catalog against a store of more than one page, every kind of drift found,
the catalog repaired with --fix, and store products deleted only when named."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from pod_pipeline.tools import cli
from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, now, product_id_for
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.publishing.reconcile import reconcile_store
from pod_pipeline.settings.publishing import PublishingSettings
from pod_pipeline_tests.conftest import settings_file
from pod_pipeline_tests.publishing.test_following import POSTER, STORE, client_for, create, sandbox, wait_for

LIST = "GET /v1/stores/{storeId}/products"


@pytest.fixture
def catalog(tmp_path):
    return SqliteCatalog(tmp_path / "catalog.db")


def artwork(catalog, artwork_id: str) -> str:
    catalog.upsert_artwork(ArtworkRow(id=artwork_id, user_id="u1", path=f"u1/{artwork_id}.png", version="v1",
                                      status="published"))
    return artwork_id


@pytest.fixture
def drifted(catalog, print_file_url):
    """A store of 105 products, 100 of them matching the catalog, and one of each drift."""
    with sandbox(publish_delay_seconds=0) as server, client_for(server) as client:
        rows = [create(client, catalog, print_file_url, artwork_id=artwork(catalog, f"art-{i:03}")) for i in range(101)]
        for row in rows:  # as the status sensor leaves them: live, with the listing id that comes last
            wait_for(lambda: client.get_product(STORE, row.gelato_product_id).external_id)
            live = client.get_product(STORE, row.gelato_product_id)
            catalog.update_product(row.id, status="active", external_id=live.external_id)
        # status: the catalog still says publishing, the store has it live
        catalog.update_product(rows[0].id, status="publishing", external_id=None)
        # missing: deleted in the store behind the catalog's back
        client.delete_product(STORE, rows[1].gelato_product_id)
        # duplicate: a second create of rows[2]'s product, never recorded
        extra_dup = client.create_product(STORE, _body_like(client, rows[2].title, print_file_url))
        # extra: a product the seller made by hand
        extra = client.create_product(STORE, _body_like(client, "Hand-made listing", print_file_url))
        # unfinished: a run claimed a create, the POST went through, the run died before recording it
        lost_id = artwork(catalog, "art-lost")
        lost = ProductRow(id=product_id_for(lost_id, POSTER), artwork_id=lost_id, template_id=POSTER, user_id="u1",
                          status="pending", title="Lost create poster")
        catalog.upsert_product(lost)
        catalog.claim_create(lost.id, 60)
        made = client.create_product(STORE, _body_like(client, "Lost create poster", print_file_url))
        catalog.update_product(lost.id, lease_until=now() - timedelta(seconds=1))
        server.reset_calls()
        yield server, client, rows, {"duplicate": extra_dup.id, "extra": extra.id, "lost": made.id, "lost_row": lost.id}


def _body_like(client, title, file_url):
    from pod_pipeline.publishing.ledger import create_body

    return create_body(client.get_template(POSTER), title=title, description="<p>d</p>", tags=[], file_url=file_url,
                       fit_method="slice", placeholders=None, product_type=None, visible=False)


def test_every_kind_of_drift_is_found_across_pages(catalog, drifted):
    server, client, rows, ids = drifted
    found, left = reconcile_store(catalog, client, STORE, PublishingSettings())
    assert found.store_products == 103 and found.catalog_products == 101
    assert server.call_counts()[LIST] == 2  # 100 + 3: paged, oldest first
    assert found.counts() == {"missing": 1, "status": 1, "duplicate": 1, "extra": 2, "unfinished": 1}
    kinds = {d.kind: d for d in found.drift if d.kind != "extra"}
    assert kinds["missing"].product_id == rows[1].id
    assert kinds["status"].product_id == rows[0].id and "Gelato says active" in kinds["status"].detail
    assert kinds["duplicate"].gelato_product_id == ids["duplicate"] and kinds["duplicate"].product_id == rows[2].id
    assert kinds["unfinished"].product_id == ids["lost_row"]
    assert {d.gelato_product_id for d in found.drift if d.kind == "extra"} == {ids["extra"], ids["lost"]}
    assert left is found and catalog.get_product(rows[0].id).status == "publishing"  # a report changes nothing


def test_fix_repairs_the_catalog_and_never_deletes_store_products(catalog, drifted):
    server, client, rows, ids = drifted
    found, left = reconcile_store(catalog, client, STORE, PublishingSettings(), fix=True)
    assert catalog.get_product(rows[0].id).status == "active" and catalog.get_product(rows[0].id).external_id
    missing = catalog.get_product(rows[1].id)
    assert missing.status == "deleted" and missing.republish_reason
    assert catalog.get_artwork(rows[1].artwork_id).status == "failed"
    assert catalog.get_product(ids["lost_row"]).gelato_product_id == ids["lost"]  # adopted, not re-created
    assert left.counts() == {"missing": 0, "status": 0, "duplicate": 1, "extra": 1, "unfinished": 0}
    assert "DELETE /v1/stores/{storeId}/products/{productId}" not in server.call_counts()
    assert server.state.product_count() == 103


def test_only_a_named_non_catalog_product_is_deleted(catalog, drifted):
    server, client, rows, ids = drifted
    with pytest.raises(ValueError, match="is a catalog product"):
        reconcile_store(catalog, client, STORE, PublishingSettings(), delete_ids=[rows[5].gelato_product_id])
    assert server.state.product_count() == 103
    found, left = reconcile_store(catalog, client, STORE, PublishingSettings(), delete_ids=[ids["duplicate"]])
    assert found.deleted == [ids["duplicate"]] and left.counts()["duplicate"] == 0


def test_the_command_reports_json_and_exits_1_while_drift_is_left(catalog, drifted, tmp_path, monkeypatch, capsys):
    server, *_ = drifted
    for name, value in {"POD_MODE": "demo", "POD_SANDBOX_URL": server.base_url, "GELATO_API_KEY": "sandbox-key",
                        "POD_CATALOG_URL": f"sqlite:///{catalog.path}", "POD_SETTINGS": settings_file(tmp_path),
                        "POD_BUCKET_DIR": str(tmp_path / "bucket")}.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["reconcile", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["drift"]["missing"] == 1 and report["store_products"] == 103


SECOND = "9a7c4e21-3b6d-4f80-a2c5-1e8d7f0b6c93"  # the sandbox's second store


def test_each_store_is_reconciled_against_its_own_products(catalog, print_file_url, tmp_path, monkeypatch, capsys):
    with sandbox(publish_delay_seconds=0) as server, client_for(server) as client:
        etsy = create(client, catalog, print_file_url, artwork_id=artwork(catalog, "art-1"))
        body = _body_like(client, "art-1 in the second store", print_file_url)
        made = client.create_product(SECOND, body)
        shop_id = product_id_for("art-1", POSTER, "shop")
        catalog.upsert_product(ProductRow(id=shop_id, artwork_id="art-1", template_id=POSTER, user_id="u1",
                                          store="shop", status="created", title=body.title))
        catalog.update_product(shop_id, gelato_product_id=made.id)
        for row_id, store in ((etsy.id, STORE), (shop_id, SECOND)):
            wait_for(lambda: client.get_product(store, catalog.get_product(row_id).gelato_product_id).external_id)
            live = client.get_product(store, catalog.get_product(row_id).gelato_product_id)
            catalog.update_product(row_id, status="active", external_id=live.external_id)
        # Each store sees its own product only: no "missing" for the other store's row.
        for store_id, name in ((STORE, "main"), (SECOND, "shop")):
            found, _ = reconcile_store(catalog, client, store_id, PublishingSettings(), store_name=name)
            assert (found.store_products, found.catalog_products, found.drift) == (1, 1, [])
        # Deleted behind the catalog's back in the second store: found there, named by its product.
        client.delete_product(SECOND, made.id)
        found, _ = reconcile_store(catalog, client, SECOND, PublishingSettings(), store_name="shop")
        assert [(d.kind, d.product_id) for d in found.drift] == [("missing", shop_id)]
        # The command goes through every store of the settings.
        stores = [{"name": "main", "gelato_store_id": STORE, "marketplace": "etsy"},
                  {"name": "shop", "gelato_store_id": SECOND, "marketplace": "shopify"}]
        settings = settings_file(tmp_path, stores=stores, store_id=STORE)
        for name, value in {"POD_MODE": "demo", "POD_SANDBOX_URL": server.base_url, "GELATO_API_KEY": "sandbox-key",
                            "POD_CATALOG_URL": f"sqlite:///{catalog.path}", "POD_SETTINGS": settings,
                            "POD_BUCKET_DIR": str(tmp_path / "bucket")}.items():
            monkeypatch.setenv(name, value)
        assert cli.main(["reconcile", "--json"]) == 1
        report = json.loads(capsys.readouterr().out)
        assert report["store_products"] == 1 and report["catalog_products"] == 2
        assert report["drift"]["missing"] == 1 and report["storefront_prices_not_compared"] == ["main", "shop"]
