"""The publish bench's two floors, each on a fresh sandbox (a process of its own) and bucket, the
Gelato cache (templates, base costs) read before the clock as on the pipeline's side.

The bare floor: the same Gelato calls issued straight from the client with the same concurrency
and no orchestration: one create per product, then status reads until each product is live.

The domain floor: the bare floor plus the pipeline's own domain work, called directly, so what is
left between it and the pipeline is orchestration alone. For each artwork, on `concurrency`
threads as a hand-written program would: the upload examined (`process_artwork`: format, bombs,
decode, preview, colours), its fit on every template variant, its listing copy (the offline
copywriter, as the bench's pipeline), its prices (the same rule table and re-pricing as `prices`,
against the catalog's current rows), its print files (decoded once, focal box estimated, one file
per print area, the contact sheet; written to the bucket), then its products created."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from pod_pipeline.artwork.inspection import process_artwork
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.defs.gelato_cache.assets import unique_price_keys, unit_cost_row
from pod_pipeline.defs.publishing.artworks import Artwork
from pod_pipeline.defs.publishing.listing import copy_request
from pod_pipeline.defs.publishing.prices import publishable_variants
from pod_pipeline.defs.publishing.print_files import areas_for
from pod_pipeline.defs.publishing.variants import fit_frame
from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.gelato.models import Template
from pod_pipeline.listing.offline import OfflineCopywriter
from pod_pipeline.print_files.contact_sheet import contact_sheet
from pod_pipeline.print_files.decode import decode_print_file
from pod_pipeline.print_files.focal import estimate_focal
from pod_pipeline.print_files.render import render_all
from pod_pipeline.pricing.fx import load_rates
from pod_pipeline.pricing.repricing import reprice
from pod_pipeline.pricing.rules import rule_table
from pod_pipeline.publishing.ledger import create_body
from pod_pipeline.publishing.product_status import is_live
from pod_pipeline.settings import SellerSettings, load_settings
from pod_pipeline.storage.base import artwork_id_for, owner_of
from pod_pipeline.storage.file_server import BUCKET_MOUNT, create_bucket_app
from pod_pipeline.tools.benchmarks.cpu import CpuMeter
from pod_pipeline.tools.demo import put_into_bucket
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.process import SandboxProcess
from pod_pipeline.tools.serving import BackgroundServer

LIVE_TIMEOUT_SECONDS = 600.0
_LOG = SimpleNamespace(log=logging.getLogger(__name__))  # unit_cost_row's context: it only logs


@dataclass
class Floor:
    """One floor's services and the Gelato cache it read."""

    seller: SellerSettings
    bucket_dir: Path
    bucket_url: str
    client: GelatoClient
    pool: ThreadPoolExecutor
    paths: list[str]
    templates: dict[str, Template]
    costs: pd.DataFrame
    cache_seconds: float
    call_counts: object  # () -> {route: calls}
    sandbox_pid: int

    def cpu_meter(self) -> CpuMeter:
        """This process (the floor's client, threads and bucket server) and the sandbox."""
        return CpuMeter({"bench process": [os.getpid()], "Gelato sandbox": [self.sandbox_pid]}).start()

    def create(self, path: str, template_id: str, title: str, description: str, tags: list[str]) -> str:
        choice = next(t for t in self.seller.templates if t.id == template_id)
        return self.client.create_product(self.seller.store_id, create_body(
            self.templates[template_id], title=title, description=description, tags=tags,
            file_url=f"{self.bucket_url}/{path}", fit_method=self.seller.print_rules_for(template_id).fit_method,
            placeholders=choice.placeholders, product_type=choice.product_type,
            visible=self.seller.visible_in_store)).id

    def until_live(self, product_ids: list[str]) -> None:
        deadline = time.monotonic() + LIVE_TIMEOUT_SECONDS

        def one(product_id: str) -> None:
            while not is_live(self.client.get_product(self.seller.store_id, product_id)):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"product {product_id} not live after {LIVE_TIMEOUT_SECONDS:.0f} s")
                time.sleep(0.2)

        list(self.pool.map(one, product_ids))


@contextmanager
def floor(folder: Path, files: list[Path], settings_path: Path, latency: float, concurrency: int,
          publish_delay: float) -> Iterator[Floor]:
    seller = load_settings(settings_path)
    with SandboxProcess(SandboxConfig(publish_delay_seconds=publish_delay, latency_seconds=latency)) as sandbox, \
            BackgroundServer(create_bucket_app(folder)) as bucket, \
            GelatoClient("sandbox-key", ecommerce_url=sandbox.ecommerce_url, product_url=sandbox.product_url) as client, \
            ThreadPoolExecutor(max_workers=concurrency) as pool:
        paths = put_into_bucket(files, folder)
        started = time.monotonic()
        ids = [t.id for t in seller.templates]
        templates = dict(zip(ids, pool.map(client.get_template, ids)))
        costs = pd.DataFrame(list(pool.map(lambda key: unit_cost_row(_LOG, client, *key),
                                           unique_price_keys(templates, seller.markets))))
        yield Floor(seller, folder, bucket.base_url + BUCKET_MOUNT, client, pool, paths, templates, costs,
                    time.monotonic() - started, sandbox.call_counts, sandbox.pid)


def run_floor(home: Path, files: list[Path], latency: float, concurrency: int, settings_path: Path,
              publish_delay: float) -> dict:
    """The same Gelato calls, straight from the client: creates, then status reads until live."""
    with floor(home / "floor-bucket", files, settings_path, latency, concurrency, publish_delay) as side:
        started, cpu = time.monotonic(), side.cpu_meter()
        jobs = [(path, choice.id) for path in side.paths for choice in side.seller.templates]
        created = list(side.pool.map(lambda job: side.create(*job, title=f"{job[0]} {job[1]}",
                                                             description="<p>floor</p>", tags=["floor"]), jobs))
        side.until_live(created)
        wall, cpu_seconds = time.monotonic() - started, cpu.stop()
        calls = side.call_counts()
    return {"floor_seconds": round(wall, 2), "cpu_seconds": cpu_seconds, "calls": calls, "products": len(created),
            "cache_seconds": round(side.cache_seconds, 2)}


def prepare(bucket_dir: Path, path: str, seller: SellerSettings, templates, rules, catalog, writer) -> dict:
    """One artwork's domain work, as the pipeline's steps do it, without Dagster."""
    artwork_id, local = artwork_id_for(path), bucket_dir / path
    processed = process_artwork(local, seller.print)
    info = processed.info
    derived = bucket_dir / owner_of(path) / ".derived" / artwork_id
    derived.mkdir(parents=True, exist_ok=True)
    print_file = local
    if processed.print_png is not None:
        print_file = derived / "print.png"
        print_file.write_bytes(processed.print_png)
    (derived / "preview.jpg").write_bytes(processed.preview_jpeg)
    frame = fit_frame(templates, seller, info.width, info.height)
    artwork = Artwork(artwork_id=artwork_id, path=path, owner=owner_of(path), version="1", width=info.width,
                      height=info.height, sha256=info.sha256, print_path=path, preview_path="",
                      preview_jpeg=processed.preview_jpeg, dominant_colors=tuple(map(tuple, processed.dominant_colors)))
    listing = writer.write(copy_request(artwork, frame, templates, seller)).listing
    priced = reprice(publishable_variants({artwork_id: frame}), rules, catalog.current_prices([artwork_id]),
                     seller.pricing.repricing.policy)
    image = decode_print_file(print_file, seller.print.max_pixels)
    try:
        focal = estimate_focal(image)
        crops = []
        for made in render_all(image, areas_for(frame, templates, seller), focal, seller.print.target_dpi):
            (derived / f"print-{made.area.key}{made.extension}").write_bytes(made.data)
            crops.append((made.area.key, made.crop))
        (derived / "contact-sheet.png").write_bytes(contact_sheet(image, crops, focal))
    finally:
        image.close()
    return {"listing": listing, "price_rows": len(priced.rows), "print_files": len(crops)}


def run_domain_floor(home: Path, files: list[Path], latency: float, concurrency: int, settings_path: Path,
                     publish_delay: float) -> dict:
    """The bare floor plus the domain work, artwork by artwork."""
    catalog = SqliteCatalog(home / "domain-catalog.db")
    with floor(home / "domain-bucket", files, settings_path, latency, concurrency, publish_delay) as side:
        seller, writer = side.seller, OfflineCopywriter(side.seller.listing)
        rules = rule_table(side.templates, side.costs, seller, load_rates(seller.pricing.fx))
        started, cpu = time.monotonic(), side.cpu_meter()
        domain_seconds: list[float] = []  # per artwork (list.append is atomic across threads)
        prepared: list[dict] = []

        def publish(path: str) -> list[str]:
            began = time.monotonic()
            done = prepare(side.bucket_dir, path, seller, side.templates, rules, catalog, writer)
            domain_seconds.append(time.monotonic() - began)
            prepared.append(done)
            copy = done["listing"]
            return [side.create(path, choice.id, copy.title, copy.description_html, copy.tags)
                    for choice in seller.templates]

        created = [product for products in side.pool.map(publish, side.paths) for product in products]
        side.until_live(created)
        wall, cpu_seconds = time.monotonic() - started, cpu.stop()
        calls = side.call_counts()
    return {"floor_seconds": round(wall, 2), "cpu_seconds": cpu_seconds,
            "domain_thread_seconds": round(sum(domain_seconds), 2), "calls": calls,
            "products": len(created), "print_files": sum(p["print_files"] for p in prepared),
            "price_rows": sum(p["price_rows"] for p in prepared), "cache_seconds": round(side.cache_seconds, 2)}
