"""Each asset check fails on the input it exists to catch (and passes on a good one), names the
failing artworks of its run, and says which artworks it holds back."""

import pandas as pd
import pytest

from pod_pipeline.defs.publishing.artworks import Artwork
from pod_pipeline.defs.publishing.checks import listing_check, print_file_check, products_check, sharpness_check
from pod_pipeline.listing.model import Listing
from pod_pipeline.defs.resources import LocalStorageResource, SettingsResource
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.storage.file_server import BUCKET_MOUNT, create_bucket_app

POSTER = "c12a363e-0d4e-4d96-be4b-bf4138eb8743"
MUG = "5b0e7d41-2c8a-4f63-b9d7-a6e1c30f9d25"


def artwork(width=3000, height=4000, print_path="u/a.png"):
    return Artwork(artwork_id="a", path="u/a.png", owner="u", version="1", width=width, height=height, sha256="x",
                   print_path=print_path, preview_path="p", preview_jpeg=b"")


def test_listing_check_reports_each_violation():
    good = Listing(title="Dunes Art Print", description_html="<p>Matte paper.</p>", tags=["desert wall art"],
                   alt_text="Orange dunes at dusk")
    bad = good.model_copy(update={"title": "Disney $ Print", "tags": ["x" * 30]})
    seller = SettingsResource().load()
    result, failing = listing_check({"good": good}, seller)
    assert result.passed and failing == {}
    result, failing = listing_check({"good": good, "bad": bad}, seller)
    assert not result.passed and list(failing) == ["bad"] and "disney" in failing["bad"].lower()
    assert result.metadata["artworks_failing"].value == 1 and result.check_name == "listing_meets_marketplace_rules"


@pytest.mark.parametrize("width, height, passed", [(6000, 8400, True), (2000, 2800, False)])
def test_sharpness_check_recomputes_dpi_from_pixels_and_millimetres(width, height, passed):
    # A variant marked publishable although 2000 px over 700 mm is 73 dpi: the check must catch it.
    frame = pd.DataFrame([{"template_id": POSTER, "template_publishable": True, "width_mm": 700.0,
                           "height_mm": 1000.0}])
    result, failing = sharpness_check({"a": frame}, {"a": artwork(width, height)}, SettingsResource().load())
    assert result.passed is passed and (not failing) is passed


def test_sharpness_check_uses_meet_for_templates_set_to_meet():
    # The bundled settings print mugs with `meet`: the looser side decides.
    frame = pd.DataFrame([{"template_id": MUG, "template_publishable": True, "width_mm": 200.0, "height_mm": 85.0}])
    assert sharpness_check({"a": frame}, {"a": artwork(1200, 1500)}, SettingsResource().load())[0].passed


def test_print_file_check_fetches_the_url_gelato_will_fetch(tmp_path):
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "a.png").write_bytes(b"png")
    (tmp_path / "u" / "a.txt").write_text("not an image")
    with BackgroundServer(create_bucket_app(tmp_path)) as server:
        bucket = LocalStorageResource(local_root=str(tmp_path), public_base_url=server.base_url + BUCKET_MOUNT).open()
        assert print_file_check({"a": artwork()}, bucket)[0].passed
        result, failing = print_file_check({"a": artwork(), "gone": artwork(print_path="u/gone.png"),
                                            "text": artwork(print_path="u/a.txt")}, bucket)
        assert not result.passed and sorted(failing) == ["gone", "text"]
        assert "missing" in failing["gone"] and "not an image" in failing["text"]
    result, failing = print_file_check({"a": artwork()}, bucket)  # server stopped
    assert not result.passed and "cannot be fetched" in failing["a"]


def test_print_file_check_wants_the_type_the_content_really_is(tmp_path):
    """An image served under another image type (a JPEG stored as image/png by its client) is
    what Gelato would be handed: the check refuses it."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    (tmp_path / "u").mkdir()
    for name in ("print.png", "print.jpg"):
        (tmp_path / "u" / name).write_bytes(b"bytes")
    always_jpeg = Starlette(routes=[Route("/bucket/{path:path}", lambda request: Response(
        b"bytes", media_type="image/jpeg"))])
    with BackgroundServer(always_jpeg) as server:
        bucket = LocalStorageResource(local_root=str(tmp_path), public_base_url=server.base_url + BUCKET_MOUNT).open()
        result, failing = print_file_check({"png": artwork(print_path="u/print.png"),
                                            "jpg": artwork(print_path="u/print.jpg")}, bucket)
    assert sorted(failing) == ["png"] and "serves image/jpeg, but the file is image/png" in failing["png"]


def test_product_check_catches_missing_and_unconnected_variants():
    def frame(on_product, connected):
        return pd.DataFrame([{"template": "Poster", "gelato_product_id": "g1", "status": "active", "variants_expected": 5,
                              "variants_on_product": on_product, "variants_connected": connected},
                             {"template": "Mug", "gelato_product_id": None, "status": "skipped", "variants_expected": 2,
                              "variants_on_product": 0, "variants_connected": 0}])
    assert products_check({"a": frame(5, 5)}).passed
    missing = products_check({"a": frame(5, 5), "b": frame(4, 4)})
    assert not missing.passed and missing.metadata["artworks_failing"].value == 1
    assert not products_check({"a": frame(5, 3)}).passed


def test_the_fit_tables_read_as_a_person_reads_them():
    # Issue 15, item 6: human columns first, figures rounded, ids last.
    import pandas as pd

    from pod_pipeline.defs.publishing.variants import variants_metadata

    frame = pd.DataFrame({"template_id": ["t1", "t1"], "template_title": ["Poster", "Poster"],
                          "template_publishable": [True, True], "template_variant_id": ["v1", "v2"],
                          "effective_dpi": [151.234, 300.9], "template_reason": ["", ""], "variant_title": ["S", "M"],
                          "placeholder": ["front", "front"], "aspect_mismatch": [0.01234, 0.0],
                          "verdict": ["ok", "ok"], "note": ["", ""]})
    metadata, _ = variants_metadata(frame)
    variants = metadata["variants"]
    assert [c.name for c in variants.schema.columns][:3] == ["product", "variant", "verdict"]
    assert variants.records[0].data["dpi"] == 151.0 and variants.records[0].data["aspect mismatch %"] == 1.2
    verdicts = metadata["verdicts"]
    assert [c.name for c in verdicts.schema.columns][0] == "template"
    assert [c.name for c in verdicts.schema.columns][-1] == "template_id"
