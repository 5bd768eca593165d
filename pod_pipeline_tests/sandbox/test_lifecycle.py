from __future__ import annotations

import time

import pytest

from pod_pipeline.gelato.models import StoreProduct, Template
from pod_pipeline.tools.sandbox import SandboxConfig, SandboxServer
from pod_pipeline_tests.sandbox.support import (MUG, POSTER, TSHIRT, api_client, create_product, image_bytes,
                                                wait_for_final)


def all_variants(client, sandbox, template_id, placeholder_urls):
    """Every variant of the template, each placeholder given the URL for its name."""
    template = Template.model_validate(client.get(f"{sandbox.ecommerce_url}/templates/{template_id}").json())
    return [
        {"templateVariantId": v.id,
         "imagePlaceholders": [{"name": p.name, "fileUrl": placeholder_urls[p.name], "fitMethod": "slice"}
                               for p in v.image_placeholders]}
        for v in template.variants
    ]


def publish(client, sandbox, template_id, placeholder_urls):
    response = create_product(client, sandbox.ecommerce_url, {
        "templateId": template_id, "title": "Dunes", "description": "<p>Dunes</p>",
        "variants": all_variants(client, sandbox, template_id, placeholder_urls)})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "created"
    return wait_for_final(client, sandbox.ecommerce_url, response.json()["id"])


def test_product_with_good_art_goes_active_with_connected_variants(sandbox, client, file_host):
    front = file_host.add("/lifecycle/front.png", image_bytes("PNG"), "image/png")
    back = file_host.add("/lifecycle/back.jpg", image_bytes("JPEG"), "image/jpeg")
    final, seen = publish(client, sandbox, TSHIRT, {"ImageFront": front, "ImageBack": back})

    product = StoreProduct.model_validate(final)
    assert product.is_live and product.external_id.isdigit()
    assert seen[-1] == "active" and set(seen) <= {"created", "publishing", "active"}
    assert len(product.variants) == 8
    assert all(v.connection_status == "connected" and v.external_id and v.external_id.isdigit() for v in product.variants)
    assert len({v.external_id for v in product.variants}) == 8
    assert product.published_at and product.updated_at >= product.created_at
    # Gelato downloads each file once, with a plain GET that carries no credentials.
    for path in ("/lifecycle/front.png", "/lifecycle/back.jpg"):
        (hit,) = file_host.hits("GET", path)
        assert not {"x-api-key", "authorization"} & {h.lower() for h in hit["headers"]}


def test_pdf_art_is_accepted(sandbox, client, file_host):
    pdf = file_host.add("/lifecycle/art.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
    final, _ = publish(client, sandbox, POSTER, {"ImageFront": pdf})
    assert final["status"] == "active"


@pytest.mark.parametrize(
    ("path", "content", "status", "code"),
    [
        ("/lifecycle/notes.txt", b"just some text, not an image", 200, "invalid_file_format"),
        ("/lifecycle/broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, 200, "invalid_file_format"),
        ("/lifecycle/gone.png", b"", 404, "file_download_failed"),
        ("/lifecycle/error.png", image_bytes(), 500, "file_download_failed"),
    ],
)
def test_unusable_art_ends_in_publishing_error(sandbox, client, file_host, path, content, status, code):
    url = file_host.add(path, content, "image/png", status=status)
    final, seen = publish(client, sandbox, MUG, {"ImageFront": url})
    product = StoreProduct.model_validate(final)
    assert product.is_failed and product.publishing_error_code == code
    assert product.external_id is None and not product.is_live
    assert product.variants and all(v.connection_status == "not_connected" for v in product.variants)
    assert seen[-1] == "publishing_error"


def test_unreachable_host_is_a_download_failure(sandbox, client):
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    final, _ = publish(client, sandbox, MUG, {"ImageFront": "http://127.0.0.1:9/art.png"})
    assert (final["status"], final["publishingErrorCode"]) == ("publishing_error", "file_download_failed")


def test_zero_delay_still_walks_the_states(file_host):
    art = file_host.add("/lifecycle/zero.png", image_bytes(), "image/png")
    with SandboxServer(SandboxConfig(publish_delay_seconds=0)) as server, api_client() as client:
        final, _ = publish(client, server, MUG, {"ImageFront": art})
        assert final["status"] == "active" and final["externalId"]


def test_publishing_is_seen_between_created_and_final(file_host):
    art = file_host.add("/lifecycle/slow.png", image_bytes(), "image/png")
    with SandboxServer(SandboxConfig(publish_delay_seconds=0.6)) as server, api_client() as client:
        final, seen = publish(client, server, MUG, {"ImageFront": art})
    assert seen == ["created", "publishing", "active"]


def test_deleted_while_publishing_stays_deleted(sandbox, client, file_host):
    art = file_host.add("/lifecycle/deleted.png", image_bytes(), "image/png")
    response = create_product(client, sandbox.ecommerce_url, {
        "templateId": MUG, "title": "t", "description": "d",
        "variants": all_variants(client, sandbox, MUG, {"ImageFront": art})})
    product_url = f"{sandbox.ecommerce_url}/stores/{response.json()['storeId']}/products/{response.json()['id']}"
    assert client.delete(product_url).status_code == 200
    time.sleep(0.45)
    assert client.get(product_url).status_code == 404
    assert response.json()["id"] not in sandbox.state.products
