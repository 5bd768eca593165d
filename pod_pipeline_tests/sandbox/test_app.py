from __future__ import annotations

import httpx
import pytest

from pod_pipeline.gelato.models import Template
from pod_pipeline_tests.sandbox.support import POSTER, STORE_ID, TSHIRT, api_client

CREATE = "POST /v1/stores/{storeId}/products:create-from-template"
GET_TEMPLATE = "GET /v1/templates/{templateId}"
GET_PRICES = "GET /v3/products/{productUid}/prices"


@pytest.mark.parametrize("headers", [{}, {"X-API-KEY": "wrong-key"}, {"Authorization": "Bearer sandbox-key"}])
def test_gelato_endpoints_need_the_api_key(sandbox, headers):
    with httpx.Client(headers=headers, trust_env=False) as anonymous:
        for url in (
            f"{sandbox.ecommerce_url}/templates/{POSTER}",
            f"{sandbox.ecommerce_url}/stores/{STORE_ID}/products",
            f"{sandbox.product_url}/products/flat_300x400-mm-12x16-inch_170-gsm-65lb-uncoated_4-0_ver/prices?country=US&currency=USD",
        ):
            response = anonymous.get(url)
            assert response.status_code == 401, url
            assert "X-API-KEY" in response.json()["message"]
        response = anonymous.post(f"{sandbox.ecommerce_url}/stores/{STORE_ID}/products:create-from-template", json={})
        assert response.status_code == 401


def test_template_parses_into_the_client_model(sandbox, client):
    response = client.get(f"{sandbox.ecommerce_url}/templates/{TSHIRT}")
    assert response.status_code == 200
    template = Template.model_validate(response.json())
    assert template.id == TSHIRT and template.template_name == "Unisex t-shirt"
    assert len(template.variants) == 8
    assert template.description.startswith("<p>")
    assert {p.name for v in template.variants for p in v.image_placeholders} == {"ImageFront", "ImageBack"}


def test_unknown_template_is_404_with_message(sandbox, client):
    response = client.get(f"{sandbox.ecommerce_url}/templates/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert "not found" in response.json()["message"]


def test_unknown_path_and_method_answer_json_errors(sandbox, client):
    missing = client.get(f"{sandbox.base_url}/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["message"]
    wrong_method = client.put(f"{sandbox.ecommerce_url}/templates/{POSTER}")
    assert wrong_method.status_code == 405 and wrong_method.json()["message"]


def test_call_counts_by_route_include_rejected_calls(sandbox, client):
    sandbox.reset_calls()
    client.get(f"{sandbox.ecommerce_url}/templates/{POSTER}")
    client.get(f"{sandbox.ecommerce_url}/templates/{TSHIRT}")
    with api_client("wrong") as bad:
        assert bad.get(f"{sandbox.ecommerce_url}/templates/{POSTER}").status_code == 401
        assert bad.post(f"{sandbox.ecommerce_url}/stores/{STORE_ID}/products:create-from-template", json={}).status_code == 401
    client.get(f"{sandbox.product_url}/products/nope/prices", params={"country": "US", "currency": "USD"})
    client.get(f"{sandbox.base_url}/_sandbox/health")  # admin calls are not Gelato calls
    expected = {GET_TEMPLATE: 3, CREATE: 1, GET_PRICES: 1}
    assert sandbox.call_counts() == expected
    assert httpx.get(f"{sandbox.base_url}/_sandbox/calls", trust_env=False).json() == expected

    assert httpx.post(f"{sandbox.base_url}/_sandbox/reset-calls", trust_env=False).status_code == 200
    assert sandbox.call_counts() == {}


def test_admin_health_needs_no_key(sandbox):
    response = httpx.get(f"{sandbox.base_url}/_sandbox/health", trust_env=False)
    assert response.status_code == 200 and response.json()["status"] == "ok"
