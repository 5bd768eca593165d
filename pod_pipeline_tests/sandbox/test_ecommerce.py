from __future__ import annotations

import httpx
import pytest

from pod_pipeline.gelato.models import StoreProduct
from pod_pipeline.tools.sandbox import SandboxConfig, SandboxServer
from pod_pipeline_tests.sandbox.support import MUG, POSTER, STORE_ID, TSHIRT, api_client, create_product, image_bytes

TEE_WHITE_S = "ff5abf93-11bb-4ed0-b483-2c8f1175da79"
TEE_BLACK_XL = "517f44fc-0a22-4a09-b774-5683fd9e8e3d"


def body(template_id=MUG, **extra):
    return {"templateId": template_id, "title": "Sunset over dunes", "description": "<p>Warm tones.</p>", **extra}


def test_create_returns_a_created_store_product(sandbox, client):
    response = create_product(client, sandbox.ecommerce_url, body(POSTER, tags=["sunset", "desert"]))
    assert response.status_code == 200
    product = StoreProduct.model_validate(response.json())
    assert product.status == "created" and product.external_id is None and product.published_at is None
    assert product.store_id == STORE_ID and product.title == "Sunset over dunes"
    assert len(product.variants) == 5
    assert all(v.connection_status == "not_connected" and v.product_id == product.id for v in product.variants)
    raw = response.json()
    assert raw["productVariantOptions"] == [
        {"name": "Size", "values": ["8x10 in", "12x16 in", "18x24 in", "50x70 cm", "70x100 cm"]}]
    assert raw["tags"] == ["sunset", "desert"] and raw["templateId"] == POSTER
    assert raw["isVisibleInTheOnlineStore"] is False
    assert raw["createdAt"].endswith("+0000") and raw["publishingErrorCode"] is None


def test_unlisted_variants_are_still_created_with_template_art(sandbox, client, file_host):
    art = file_host.add("/ecommerce/listed.png", image_bytes(), "image/png")
    listed = [{"templateVariantId": TEE_WHITE_S, "imagePlaceholders": [{"name": "ImageFront", "fileUrl": art}]}]
    response = create_product(client, sandbox.ecommerce_url, body(TSHIRT, variants=listed))
    assert response.status_code == 200
    product = response.json()
    assert len(product["variants"]) == 8
    assert {o["name"]: o["values"] for o in product["productVariantOptions"]} == {
        "Size": ["S", "M", "L", "XL"], "Color": ["White", "Black"]}
    files = httpx.get(f"{sandbox.base_url}/_sandbox/products/{product['id']}/files", trust_env=False).json()
    assert files[TEE_WHITE_S] == {"ImageFront": art, "ImageBack": None}
    assert files[TEE_BLACK_XL] == {"ImageFront": None, "ImageBack": None}


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"variants": [{"templateVariantId": TEE_WHITE_S,
                        "imagePlaceholders": [{"name": "ImageSleeve", "fileUrl": "http://x/a.png"}]}]}, "ImageSleeve"),
        ({"variants": [{"templateVariantId": "not-a-variant", "imagePlaceholders": []}]}, "not-a-variant"),
        ({"tags": [f"tag{i}" for i in range(14)]}, "tags"),
        ({"title": ""}, "title"),
        ({"description": None}, "description"),
        ({"templateId": "00000000-0000-0000-0000-000000000000"}, "not found"),
        ({"variants": [{"templateVariantId": TEE_WHITE_S, "imagePlaceholders": [
            {"name": "ImageFront", "fileUrl": "http://x/a.png", "fitMethod": "stretch"}]}]}, "fitMethod"),
        ({"variants": [{"templateVariantId": TEE_WHITE_S, "imagePlaceholders": [
            {"name": "ImageFront", "fileUrl": "ftp://x/a.png"}]}]}, "fileUrl"),
    ],
)
def test_invalid_create_is_400_naming_the_problem(sandbox, client, changes, needle):
    before = len(sandbox.state.products)
    response = create_product(client, sandbox.ecommerce_url, {**body(TSHIRT), **changes})
    assert response.status_code == 400
    assert needle in response.json()["message"]
    assert len(sandbox.state.products) == before


def test_thirteen_tags_are_fine(sandbox, client):
    response = create_product(client, sandbox.ecommerce_url, body(tags=[f"t{i}" for i in range(13)]))
    assert response.status_code == 200


def test_unknown_store_is_404(sandbox, client):
    response = create_product(client, sandbox.ecommerce_url, body(), store_id="11111111-2222-3333-4444-555555555555")
    assert response.status_code == 404 and "not found" in response.json()["message"]
    assert client.get(f"{sandbox.ecommerce_url}/stores/nope/products").status_code == 404


def test_get_and_delete_product(sandbox, client):
    product_id = create_product(client, sandbox.ecommerce_url, body()).json()["id"]
    url = f"{sandbox.ecommerce_url}/stores/{STORE_ID}/products/{product_id}"
    assert client.get(url).json()["id"] == product_id
    assert client.delete(url).status_code == 200
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404


OTHER_STORE = "0e8f1d2c-3b4a-4c5d-8e6f-7a8b9c0d1e2f"


@pytest.fixture(scope="module")
def busy_store():
    """A second store with 103 products, so paging and the 100 cap can be checked."""
    config = SandboxConfig(publish_delay_seconds=60, extra_store_ids=[OTHER_STORE])
    with SandboxServer(config) as server, api_client() as client:
        ids = [create_product(client, server.ecommerce_url, body(title=f"P{i:03d}"), store_id=OTHER_STORE).json()["id"]
               for i in range(103)]
        yield server, ids


def list_page(client, server, **params):
    response = client.get(f"{server.ecommerce_url}/stores/{OTHER_STORE}/products", params=params)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["products"]]


def test_list_pages_with_offset_and_limit(busy_store, client):
    server, ids = busy_store
    assert list_page(client, server, order="asc", orderBy="createdAt", offset=0, limit=2) == ids[:2]
    assert list_page(client, server, order="asc", offset=2, limit=3) == ids[2:5]
    assert list_page(client, server, order="desc", limit=2) == [ids[-1], ids[-2]]
    assert list_page(client, server, order="asc", offset=200) == []
    # The other store's products never leak into this list.
    assert client.get(f"{server.ecommerce_url}/stores/{STORE_ID}/products").json() == {"products": []}


def test_list_limit_defaults_to_and_is_clamped_at_100(busy_store, client):
    server, ids = busy_store
    assert list_page(client, server, order="asc") == ids[:100]
    assert list_page(client, server, order="asc", limit=1000) == ids[:100]
    assert list_page(client, server, order="asc", offset=100, limit=100) == ids[100:]


def test_list_orders_by_updated_at(busy_store, client):
    server, ids = busy_store
    server.state.update_product(ids[0], title="touched")  # the oldest product changes last
    assert list_page(client, server, order="desc", orderBy="updatedAt", limit=1) == [ids[0]]
    assert list_page(client, server, order="desc", orderBy="createdAt", limit=1) == [ids[-1]]


@pytest.mark.parametrize("params", [{"limit": 0}, {"offset": -1}, {"limit": "ten"}, {"order": "up"}, {"orderBy": "title"}])
def test_list_rejects_bad_parameters(busy_store, client, params):
    server, _ = busy_store
    response = client.get(f"{server.ecommerce_url}/stores/{OTHER_STORE}/products", params=params)
    assert response.status_code == 400 and response.json()["message"]
