"""The Dagster UI as a person sees it, in a real browser (Debian's `chromium`, driven by
Playwright): pages of a webserver on a finished instance (`dagster_services.webserver`) opened by URL, their text read and their
screenshots taken. The browser test asserts on what the pages show; `pod-pipeline screenshots`
writes the README's pictures the same way."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote


class BrowserMissing(RuntimeError):
    pass


def chromium_path() -> str:
    """Debian's chromium (`apt-get install chromium`), or CHROMIUM_PATH."""
    found = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise BrowserMissing("no chromium: install Debian's (`apt-get install -y chromium`) or set CHROMIUM_PATH")
    return found


@dataclass
class Page:
    name: str
    path: str           # URL path and query on the webserver
    wait_for: str       # text that shows the page has rendered what matters
    text: str = ""      # the page's text, once read
    screenshot: Path | None = None


def visit(base_url: str, pages: list[Page], out_dir: Path | None = None, timeout_seconds: float = 60) -> list[Page]:
    """Open each page in headless chromium, wait until `wait_for` shows, keep its text and (with
    `out_dir`) a screenshot named after it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            view = browser.new_page(viewport={"width": 1440, "height": 960})
            for page in pages:
                view.goto(base_url + page.path, timeout=timeout_seconds * 1000)
                view.get_by_text(page.wait_for, exact=False).first.wait_for(timeout=timeout_seconds * 1000)
                view.wait_for_timeout(1500)  # late layout (tables, graph edges), and Dagster's welcome dialog
                skip = view.get_by_role("button", name="Skip")
                if skip.count():  # the UI's one-time "join the community" dialog would cover the page
                    skip.first.click()
                    view.wait_for_timeout(300)
                page.text = view.inner_text("body")
                if out_dir is not None:
                    out_dir.mkdir(parents=True, exist_ok=True)
                    page.screenshot = out_dir / f"{page.name}.png"
                    view.screenshot(path=str(page.screenshot))
        finally:
            browser.close()
    return pages


def demo_pages(published: str, rejected: str) -> list[Page]:
    """What the README shows and the browser test reads: the asset graph, a published artwork's
    listing, prices and products, a rejected artwork (a Failed partition), the upload sensor's
    ticks and the runs on the timeline."""
    return [
        Page("asset-graph", "/asset-groups~" + quote('group:"artwork"'), "variants"),
        Page("listing", f"/assets/listing?view=partitions&partition={published}", "tag_count"),
        Page("prices", f"/assets/prices?view=partitions&partition={published}", "margin %"),
        Page("products", f"/assets/published_products?view=partitions&partition={published}", "products_live"),
        Page("rejected", f"/assets/artworks?view=partitions&partition={rejected}", "did not materialize"),
        Page("upload-sensor", "/locations/pod_pipeline/sensors/upload_sensor", "partitions created"),
        Page("timeline", "/overview/activity/timeline", "refresh_funnel"),
    ]
