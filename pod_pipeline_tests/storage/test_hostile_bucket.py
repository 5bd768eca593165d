"""Hostile objects in the bucket (issue 13, items 6, 7, 8 and 10), through the real flow: links
out of the bucket, a FIFO, a file name that is not UTF-8, a file outside an owner folder, run
config paths that climb out, and files over the byte limit. Each is one refused upload with a
reason; none stops the sensor or the good upload beside it, and nothing outside the bucket is
ever read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dagster import instance_for_test

from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.definitions import build_definitions
from pod_pipeline.tools.sensor_driver import SensorDriver
from pod_pipeline.storage.base import UploadRefused, artwork_id_for, copy_limited
from pod_pipeline.storage.local import LocalFolderStorage
from pod_pipeline_tests.conftest import poster_only_settings
from pod_pipeline_tests.test_pipeline_flow import gradient_jpeg, run_until_quiet

OWNER = "user-1"


def test_bad_objects_are_refused_and_the_good_upload_beside_them_publishes(pipeline_env, tmp_path, gelato_sandbox):
    env = {**pipeline_env, "POD_SETTINGS": poster_only_settings(tmp_path)}
    bucket = Path(env["POD_BUCKET_DIR"])
    folder = bucket / OWNER
    folder.mkdir(parents=True)
    outside = tmp_path / "secret.jpg"
    gradient_jpeg(outside, 4100, 5900)  # a printable image, but not the artist's upload
    (folder / "linked.jpg").symlink_to(outside)
    (folder / "passwd.jpg").symlink_to("/etc/passwd")
    (folder / "zero.jpg").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.jpg")
    gradient_jpeg(bucket / "at-the-root.jpg", 4200, 6000)
    bad_name = os.fsencode(folder) + b"/caf\xe9.jpg"  # Latin-1 bytes: not UTF-8
    gradient_jpeg(Path(os.fsdecode(bad_name)), 4200, 6000)
    gradient_jpeg(folder / "good.jpg", 4200, 6000)

    defs = build_definitions(env)
    with instance_for_test() as instance:
        driver = SensorDriver(defs, instance, "upload_sensor")
        run_until_quiet(driver)  # raises if any tick raised
        partitions = instance.get_dynamic_partitions("artworks")

    catalog = SqliteCatalog(env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
    assert partitions == [artwork_id_for(f"{OWNER}/good.jpg")]
    assert catalog.get_artwork(partitions[0]).status == "published"
    # Nothing outside the bucket was copied into it or served.
    derived = [p for p in bucket.rglob("*") if "_pipeline" in p.parts and p.is_file()]
    assert derived and all(p.read_bytes() != outside.read_bytes() for p in derived)
    assert all(b"root:" not in p.read_bytes() for p in derived)


def test_each_refusal_says_why(tmp_path):
    root = tmp_path / "bucket"
    (root / OWNER).mkdir(parents=True)
    (root / OWNER / "linked.jpg").symlink_to("/etc/passwd")
    os.mkfifo(root / OWNER / "pipe.jpg")
    (root / "loose.jpg").write_bytes(b"x")
    Path(os.fsdecode(os.fsencode(root / OWNER) + b"/\xff.jpg")).write_bytes(b"x")
    uploads, cursor = LocalFolderStorage(root).scan(None, 10)
    reasons = {u.path.encode("utf-8", "surrogateescape"): u.refused for u in uploads}
    assert "symbolic link" in reasons[b"user-1/linked.jpg"]
    assert "not a regular file" in reasons[b"user-1/pipe.jpg"]
    assert "not in an owner folder" in reasons[b"loose.jpg"]
    assert "not valid UTF-8" in reasons[b"user-1/\xff.jpg"]
    cursor.encode("utf-8")  # storable by Dagster, whatever the names
    assert LocalFolderStorage(root).scan(cursor, 10)[0] == []  # passed, never seen again


@pytest.mark.parametrize("path", ["../outside.jpg", "/etc/passwd", "user-1/../../outside.jpg", "loose.jpg",
                                  "user-1/linked.jpg"])
def test_downloads_never_leave_the_bucket(tmp_path, path):
    root = tmp_path / "bucket"
    (root / OWNER).mkdir(parents=True)
    (tmp_path / "outside.jpg").write_bytes(b"not yours")
    (root / "loose.jpg").write_bytes(b"nobody's")
    (root / OWNER / "linked.jpg").symlink_to(tmp_path / "outside.jpg")
    dest = tmp_path / "dest"
    with pytest.raises(UploadRefused):
        LocalFolderStorage(root).download(path, dest)
    assert not dest.exists()


def test_a_download_stops_at_the_byte_limit_while_streaming(tmp_path):
    endless = iter(lambda: b"\0" * 65536, None)  # a stream that never ends, as /dev/zero
    dest = tmp_path / "dest"
    with pytest.raises(UploadRefused, match="over the limit"):
        copy_limited(endless, dest, 1_000_000, None, "zero.jpg")
    assert dest.stat().st_size <= 1_000_000
    with pytest.raises(UploadRefused, match="2,000,000 bytes"):
        copy_limited(iter([b"x"]), dest, 1_000_000, 2_000_000, "big.jpg")  # refused before reading


def test_an_upload_over_the_limit_is_rejected_with_the_reason(pipeline_env, tmp_path, gelato_sandbox):
    env = {**pipeline_env, "POD_SETTINGS": poster_only_settings(tmp_path, print={"max_file_bytes": 50_000})}
    folder = Path(env["POD_BUCKET_DIR"]) / OWNER
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "big.jpg", 4200, 6000)
    assert (folder / "big.jpg").stat().st_size > 50_000
    with instance_for_test() as instance:
        run_until_quiet(SensorDriver(build_definitions(env), instance, "upload_sensor"))
    artwork = SqliteCatalog(env["POD_CATALOG_URL"].removeprefix("sqlite:///")).get_artwork(
        artwork_id_for(f"{OWNER}/big.jpg"))
    assert artwork.status == "rejected" and "limit" in artwork.reason


def test_a_run_config_path_that_climbs_out_is_refused(pipeline_env, tmp_path, gelato_sandbox):
    env = {**pipeline_env, "POD_SETTINGS": poster_only_settings(tmp_path)}
    defs = build_definitions(env)
    with instance_for_test() as instance:
        assert defs.resolve_job_def("refresh_gelato_cache").execute_in_process(instance=instance).success
        instance.add_dynamic_partitions("artworks", ["evil"])
        result = defs.resolve_job_def("publish_artwork").execute_in_process(
            instance=instance, partition_key="evil", raise_on_error=False,
            tags={"pod/upload_path": "user-1/../../../../etc/passwd"})
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "'..' segment" in failure.event_specific_data.error.message


def test_one_uploads_read_error_stops_that_artwork_alone(pipeline_env, tmp_path, gelato_sandbox, monkeypatch):
    # Issue 13, item 9: an unexpected error on one download failed every artwork of the batch
    # with that file's reason.
    env = {**pipeline_env, "POD_SETTINGS": poster_only_settings(tmp_path)}
    folder = Path(env["POD_BUCKET_DIR"]) / OWNER
    folder.mkdir(parents=True)
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        gradient_jpeg(folder / name, 4200, 6000)
    real_download = LocalFolderStorage.download

    def flaky(self, path, dest, max_bytes=None):
        if path.endswith("/b.jpg"):
            raise OSError(5, "Input/output error")
        return real_download(self, path, dest, max_bytes)

    monkeypatch.setattr(LocalFolderStorage, "download", flaky)
    with instance_for_test() as instance:
        run_until_quiet(SensorDriver(build_definitions(env), instance, "upload_sensor"))
    catalog = SqliteCatalog(env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
    status = {name: catalog.get_artwork(artwork_id_for(f"{OWNER}/{name}")) for name in ("a.jpg", "b.jpg", "c.jpg")}
    assert status["a.jpg"].status == status["c.jpg"].status == "published"
    assert status["b.jpg"].status == "failed" and "Input/output error" in status["b.jpg"].reason
    assert "b.jpg" not in (status["a.jpg"].reason or "") + (status["c.jpg"].reason or "")
