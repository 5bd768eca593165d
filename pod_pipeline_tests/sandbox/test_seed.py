from __future__ import annotations

from decimal import Decimal

import yaml

from pod_pipeline.gelato.models import Template
from pod_pipeline.settings.loading import DEFAULT_SETTINGS_PATH
from pod_pipeline.tools.sandbox.seed import load_catalog
from pod_pipeline_tests.sandbox.support import MUG, POSTER, STORE_ID, TSHIRT

SETTINGS = DEFAULT_SETTINGS_PATH


def test_catalog_holds_the_store_and_templates_the_default_settings_use():
    catalog = load_catalog()
    settings = yaml.safe_load(SETTINGS.read_text())
    assert settings["store_id"] == catalog.store_ids[0] == STORE_ID
    assert len(catalog.store_ids) == 2  # a second store, for several stores (the demo's Shopify store)
    assert {t["id"] for t in settings["templates"]} == set(catalog.templates)


def test_templates_parse_and_have_the_documented_shape():
    catalog = load_catalog()
    poster, tee, mug = (Template.model_validate(catalog.template_json(t)) for t in (POSTER, TSHIRT, MUG))
    assert (poster.product_type, len(poster.variants)) == ("Poster", 5)
    assert (tee.product_type, len(tee.variants)) == ("T-shirt", 8)
    assert (mug.product_type, len(mug.variants)) == ("Mug", 2)
    twelve_by_sixteen = next(v for v in poster.variants if v.product_uid.startswith("flat_300x400-mm-12x16-inch"))
    (placeholder,) = twelve_by_sixteen.image_placeholders
    assert (placeholder.name, placeholder.print_area, placeholder.width_mm, placeholder.height_mm) == (
        "ImageFront", "1", 300, 400)
    for variant in tee.variants:
        front, back = variant.image_placeholders
        assert (front.name, front.print_area, back.name, back.print_area) == ("ImageFront", "front", "ImageBack", "back")
        assert (front.width_mm, front.height_mm) != (back.width_mm, back.height_mm)
        assert {o.name for o in variant.variant_options} == {"Size", "Color"}
    ids = [v.id for t in (poster, tee, mug) for v in t.variants]
    assert len(ids) == len(set(ids)) == 15
    assert poster.updated_at and poster.updated_at.endswith("+0000")


def test_template_json_is_a_copy_so_callers_cannot_corrupt_the_seed():
    catalog = load_catalog()
    template = catalog.template_json(TSHIRT)
    template["variants"][0]["imagePlaceholders"][0]["name"] = "Mangled"
    assert catalog.template_json(TSHIRT)["variants"][1]["imagePlaceholders"][0]["name"] == "ImageFront"


def test_every_variant_is_priced_in_every_market_and_tiers_are_totals():
    catalog = load_catalog()
    for template in catalog.templates.values():
        for variant in template["variants"]:
            rows = catalog.price_tiers(variant["productUid"], "US", "USD")
            assert [r["quantity"] for r in rows] == [1, 20, 100]
            unit = Decimal(str(rows[0]["price"]))
            # Totals with a volume discount: more than a unit, less than quantity x unit.
            assert unit < Decimal(str(rows[1]["price"])) < 20 * unit
            assert Decimal(str(rows[2]["price"])) / 100 < Decimal(str(rows[1]["price"])) / 20
    assert catalog.price_tiers("mug_product_msz_15-oz_mmat_ceramic-white_cl_4-0", "AU", "USD") == []
    assert catalog.price_tiers("mug_product_msz_11-oz_mmat_ceramic-white_cl_4-0", "AU", "USD") != []


def test_unit_costs_are_in_a_realistic_range():
    catalog = load_catalog()
    cost = {uid: catalog.price_tiers(uid, "US", "USD")[0]["price"] for uid in catalog.products}
    assert 5 < cost["flat_203x254-mm-8x10-inch_170-gsm-65lb-uncoated_4-0_ver"] < 8
    assert 24 < cost["flat_700x1000-mm-28x40-inch_170-gsm-65lb-uncoated_4-0_ver"] < 32
    assert cost["mug_product_msz_11-oz_mmat_ceramic-white_cl_4-0"] < cost["mug_product_msz_15-oz_mmat_ceramic-white_cl_4-0"]
    gbp = catalog.price_tiers("mug_product_msz_11-oz_mmat_ceramic-white_cl_4-0", "GB", "GBP")[0]["price"]
    assert gbp < cost["mug_product_msz_11-oz_mmat_ceramic-white_cl_4-0"]
