"""The Dagster UI read the way a person reads it: a finished demo's instance served by
dagster-webserver, opened in headless chromium (Debian's), and what the pages show asserted:
the asset graph, a published artwork's listing, prices and products, and a rejected upload
with its reason. The same pages are the README's screenshots (`pod-pipeline screenshots`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pod_pipeline.tools.browser import BrowserMissing, chromium_path, demo_pages, visit
from pod_pipeline.tools.dagster_services import webserver
from pod_pipeline_tests.test_commands_on_postgres import free_port

CLI = str(Path(sys.executable).with_name("pod-pipeline"))


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium; installed by name when missing and this user may (as PostgREST is
    fetched for the catalog tests), else a failure that says how."""
    try:
        return chromium_path()
    except BrowserMissing as missing:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.fail(str(missing))
    done = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                          env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return chromium_path()


@pytest.fixture(scope="module")
def finished_demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui-demo")
    done = subprocess.run([CLI, "demo", "--json", "--home", str(home), "--publish-delay", "0.3", "--timeout", "300"],
                          capture_output=True, text=True, timeout=420)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    env = {"DAGSTER_HOME": str(home / "dagster"), "POD_CATALOG_URL": f"sqlite:///{home / 'catalog.db'}",
           "POD_BUCKET_DIR": str(home / "bucket"), "POD_MODE": "demo"}
    return home, results, env


def test_the_ui_shows_each_artwork_as_it_is(chromium, finished_demo, tmp_path):
    home, results, env = finished_demo
    published = next(r for r in results if r["status"] == "published")
    rejected = next(r for r in results if r["status"] == "rejected" and "not an image" in r["reason"])
    with webserver(env, free_port(), tmp_path / "webserver.log") as base:
        pages = {p.name: p for p in visit(base, demo_pages(published["artwork_id"], rejected["artwork_id"]),
                                         out_dir=tmp_path / "shots")}

    assert all(name in pages["asset-graph"].text for name in ("artworks", "variants", "listing", "prices"))
    listing = pages["listing"].text
    # The artwork's name as the listing copy carries it (its products are named after it too).
    name = os.path.commonprefix([p["title"] for p in published["products"] if p["title"]]).strip()
    assert len(name) > 5 and f"title\n\t\n{name}" in listing, listing[:2000]
    assert "tag_count" in listing and "[Show Markdown]" in listing  # the buyer's view, one click away
    prices = pages["prices"].text
    assert "margin %" in prices and " USD" in prices and "Matte poster" in prices  # names, not ids
    products = pages["products"].text
    assert "products_live" in products and "active" in products
    # Issue 15, item 1: the rejected upload is a Failed partition, filterable, its reason on the page.
    stopped = pages["rejected"].text
    assert "stopped" in stopped and "not an image" in stopped
    assert re.search(r"Failed \(2\)", stopped) and "failed, and did not materialize this asset" in stopped, stopped[:1500]
    # Item 7: the daemon's productive tick with its run and new partitions; every job on the timeline.
    sensor = pages["upload-sensor"].text
    assert "1 run requested" in sensor and "(7 partitions created)" in sensor, sensor[:1500]
    assert all(job in pages["timeline"].text for job in ("publish_artwork", "refresh_gelato_cache", "refresh_funnel"))
    for page in pages.values():
        assert page.screenshot.stat().st_size > 20_000, page.name  # a rendered page, not a blank one
