"""Print files through the real pipeline on the sandbox (issue 17): each placeholder of each
created product gets its own file (one per distinct print area), Gelato fetches every one; a
rejected artwork prepares none; a seller's focal box (run config) moves the crops; a re-upload
with new bytes replaces the files."""

from __future__ import annotations

from pathlib import Path

from dagster import AssetKey, AssetRecordsFilter, instance_for_test
from PIL import Image

from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.definitions import build_definitions
from pod_pipeline.storage.base import artwork_id_for
from pod_pipeline.tools.sensor_driver import SensorDriver, follow_until_settled
from pod_pipeline_tests.test_pipeline_flow import OWNER, gradient_jpeg, run_until_quiet


def latest(instance, asset: str, key: str):
    [record] = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[key]), limit=1).records
    return record.asset_materialization.metadata


def test_every_placeholder_gets_its_own_file_and_a_rejected_artwork_none(pipeline_env, gelato_sandbox):
    folder = Path(pipeline_env["POD_BUCKET_DIR"]) / OWNER
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
    Image.new("RGB", (300, 300), "red").save(folder / "tiny.png")
    good, tiny = artwork_id_for(f"{OWNER}/dunes.jpg"), artwork_id_for(f"{OWNER}/tiny.png")
    catalog = SqliteCatalog(pipeline_env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
    with instance_for_test() as instance:
        defs = build_definitions(pipeline_env)
        run_until_quiet(SensorDriver(defs, instance, "upload_sensor"))
        follow_until_settled(defs, instance, timeout_seconds=30)
        assert catalog.get_artwork(good).status in ("published", "partial")
        assert catalog.get_artwork(tiny).status == "rejected"

        files = defs.load_asset_value(AssetKey("print_files"), partition_key=good, instance=instance)
        assert len({f.path for f in files}) == len(files) >= 3
        by_placeholder = {(variant, placeholder): f.path for f in files for _, variant, placeholder, _ in f.uses}
        # Gelato got, per placeholder, the file made for its size (and fetched it: the product went live).
        for product in gelato_sandbox.state.products.values():
            for variant in product.variants:
                for name, sent in variant.files.items():
                    if sent.file_url is not None:  # None: a placeholder keeping the template's own art
                        assert sent.file_url.endswith(by_placeholder[variant.template_variant_id, name])
        assert len({url for p in gelato_sandbox.state.products.values() for url in p.file_urls()}) > 1
        # The rejected artwork stopped before: no print files in the bucket, no materialization.
        derived = Path(pipeline_env["POD_BUCKET_DIR"]) / OWNER / "_pipeline"
        assert list(derived.glob(f"{good}/print-*mm-*")) and not list(derived.glob(f"{tiny}/print-*mm-*"))
        assert tiny not in instance.get_materialized_partitions(AssetKey("print_files")) or \
            not (Path(instance.storage_directory()) / "print_files" / tiny).exists()
        metadata = latest(instance, "print_files", good)
        assert metadata["files"].value == len(files) and metadata["focal_box"].value["from"] == "estimate"
        assert "![" in metadata["contact_sheet"].value


def test_a_sellers_focal_box_moves_the_crops_and_a_reupload_replaces_the_files(pipeline_env, gelato_sandbox):
    folder = Path(pipeline_env["POD_BUCKET_DIR"]) / OWNER
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
    good = artwork_id_for(f"{OWNER}/dunes.jpg")
    with instance_for_test() as instance:
        defs = build_definitions(pipeline_env)
        run_until_quiet(SensorDriver(defs, instance, "upload_sensor"))
        follow_until_settled(defs, instance, timeout_seconds=30)
        def publish_with_focal(box):
            result = defs.resolve_job_def("publish_artwork").execute_in_process(
                instance=instance, partition_key=good, tags={"pod/upload_path": f"{OWNER}/dunes.jpg"},
                run_config={"ops": {"print_files": {"config": {"focal": {good: box}}}}})
            assert result.success
            assert latest(instance, "print_files", good)["focal_box"].value == {"box": box, "from": "seller"}
            return {f.area: f for f in defs.load_asset_value(AssetKey("print_files"), partition_key=good,
                                                              instance=instance)}

        # The seller puts the subject at the top, then at the bottom: crops cutting both ends follow it.
        top, bottom = publish_with_focal([0.0, 0.0, 0.3, 0.2]), publish_with_focal([0.0, 0.8, 0.3, 1.0])
        moved = [area for area in top if top[area].cut != bottom[area].cut]
        assert moved and all(top[a].path != bottom[a].path for a in moved)
        assert all("top" not in top[a].cut and "bottom" not in bottom[a].cut for a in moved)
        after = bottom
        # A bad box is refused with a reason, and nothing is published from it.
        refused = defs.resolve_job_def("publish_artwork").execute_in_process(
            instance=instance, partition_key=good, tags={"pod/upload_path": f"{OWNER}/dunes.jpg"},
            run_config={"ops": {"print_files": {"config": {"focal": {good: [0.5, 0.5, 0.1, 2]}}}}},
            raise_on_error=False)
        assert not refused.success
        # New bytes under the same name: new files, which the replacement products are made from.
        gradient_jpeg(folder / "dunes.jpg", 4400, 6000)
        run_until_quiet(SensorDriver(defs, instance, "upload_sensor"))
        follow_until_settled(defs, instance, timeout_seconds=30)
        replaced = defs.load_asset_value(AssetKey("print_files"), partition_key=good, instance=instance)
        assert {f.path for f in replaced}.isdisjoint({f.path for f in after.values()})
        live = [p for p in gelato_sandbox.state.products.values() if p.status == "active"]
        sent = {url.rsplit("/", 1)[-1] for p in live for url in p.file_urls()}
        assert sent and sent <= {f.path.rsplit("/", 1)[-1] for f in replaced}
