"""`pod-pipeline demo`: the whole flow on embedded parts, headless.

Starts the Gelato sandbox, a local bucket and the webhook receiver (the sandbox delivers its
store-product events to it), puts artworks into the bucket, and runs the real Dagster daemon on
a SQLite instance: the sensors tick on their own, the queue launches the runs they request, until
every artwork is published or rejected; then the funnel is refreshed through the queue as an
operator would. Point `dagster dev` at the same DAGSTER_HOME afterwards to browse the runs (on the
timeline and under their sensors), the ticks, materializations and checks in the UI.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterator

import yaml

from pod_pipeline.catalog.rows import FINAL_ARTWORK_STATUSES, now
from pod_pipeline.tools.dagster_services import (active_runs, daemon, dev_child_environment, launch_job,
                                                 sensor_ticks, wait_for)
from pod_pipeline.tools.storefront_standins.marketplaces import DEMO_CREDENTIALS, StandinMarketplaces

DEMO_OWNER = "00000000-0000-4000-8000-00000000d3e0"  # a demo seller's user id, as Supabase would have


@dataclass
class DemoEnvironment:
    """Paths and URLs of one demo: everything lives under `home`."""

    home: Path
    sandbox_url: str = ""
    bucket_url: str = ""
    shopify_url: str = ""  # the marketplace stand-ins, when running
    etsy_url: str = ""
    settings_path: Path | None = None  # the demo's own settings (its store pushes prices), when written
    runs: int = 0
    ticks: int = 0
    webhooks: int = 0
    gelato_calls: dict = field(default_factory=dict)
    storefront_calls: dict = field(default_factory=dict)

    @property
    def bucket_dir(self) -> Path:
        return self.home / "bucket"

    @property
    def log_path(self) -> Path:
        return self.home / "dagster.log"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def catalog_url(self) -> str:
        return f"sqlite:///{self.home / 'catalog.db'}"

    def environ(self) -> dict[str, str]:
        return {
            "POD_MODE": "demo",
            "POD_SANDBOX_URL": self.sandbox_url,
            "GELATO_API_KEY": "sandbox-key",
            "POD_BUCKET_DIR": str(self.bucket_dir),
            "POD_BUCKET_URL": self.bucket_url,
            "POD_CATALOG_URL": self.catalog_url,
            "POD_COPY_CACHE_DIR": str(self.home / "copy-cache"),
            "DAGSTER_HOME": str(self.dagster_home),
            **({"POD_SHOPIFY_URL": self.shopify_url, "POD_ETSY_URL": self.etsy_url, **DEMO_CREDENTIALS}
               if self.shopify_url else {}),
            **({"POD_SETTINGS": str(self.settings_path)} if self.settings_path else {}),
        }


DEMO_STORES = [
    {"name": "demo-etsy", "marketplace": "etsy",
     "credentials": {"api_key": "POD_DEMO_ETSY_KEY", "access_token": "POD_DEMO_ETSY_TOKEN"}},
    # A second Gelato store of the sandbox, selling in pounds first.
    {"name": "demo-shopify", "marketplace": "shopify", "gelato_store_id": "9a7c4e21-3b6d-4f80-a2c5-1e8d7f0b6c93",
     "markets": ["GB", "US"],
     "credentials": {"shop_url": "POD_DEMO_SHOPIFY_SHOP", "access_token": "POD_DEMO_SHOPIFY_TOKEN"}},
]


def write_demo_settings(folder: Path) -> Path:
    """The bundled settings with two stores whose prices are pushed (to the marketplace stand-ins):
    the bundled store as an Etsy store, and a Shopify store selling in pounds. The demo shows each
    store's own copy and prices reaching both storefronts."""
    from pod_pipeline.settings.loading import DEFAULT_SETTINGS_PATH

    raw = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8"))
    etsy, shopify = DEMO_STORES
    raw["stores"] = [{**etsy, "gelato_store_id": raw.pop("store_id")}, shopify]
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def default_home() -> Path:
    return Path(".pod") / "demo" / datetime.now().strftime("%Y%m%d-%H%M%S")


def put_into_bucket(files: list[Path], bucket_dir: Path, owner: str = DEMO_OWNER) -> list[str]:
    """Copy artworks in the way an upload lands: written aside, then renamed into place."""
    target_dir = bucket_dir / owner
    target_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for source in files:
        tmp = target_dir / f".{source.name}.uploading"
        shutil.copyfile(source, tmp)
        tmp.replace(target_dir / source.name)
        paths.append(f"{owner}/{source.name}")
    return paths


def artwork_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


def iter_results(catalog, paths: list[str], stores=(), marketplaces: StandinMarketplaces | None = None,
                 print_files: dict[str, list] | None = None) -> Iterator[dict]:
    """Each artwork as the demo reports it; with the stores and their marketplace stand-ins, each
    product's variants with the catalog's price and the price the storefront shows; with the
    `print_files` asset's values, each product's print file per placeholder."""
    by_name = {s.name: s for s in stores}
    print_files = print_files or {}
    from pod_pipeline.storage.base import artwork_id_for

    for path in paths:
        artwork = catalog.get_artwork(artwork_id_for(path))
        products = catalog.products_for(artwork.id) if artwork else []
        pushed = {(r.product_id, r.template_variant_id): r for r in catalog.storefront_prices_for(artwork.id)} \
            if artwork else {}
        yield {
            "artwork": path.rsplit("/", 1)[-1],
            "artwork_id": artwork_id_for(path),
            "status": artwork.status if artwork else "pending",
            "reason": artwork.reason if artwork else "not picked up by the sensor",
            "products": [
                {
                    "template_id": p.template_id,
                    "store_id": p.store,
                    "marketplace": by_name[p.store].marketplace if p.store in by_name else None,
                    "gelato_product_id": p.gelato_product_id,
                    "external_id": p.external_id,
                    "status": p.status,
                    "title": p.title,
                    "tags": p.tags,
                    "variants": len(variants),
                    "prices": [_price(p, v, pushed.get((p.id, v.template_variant_id)), by_name.get(p.store),
                                      marketplaces) for v in variants],
                    "print_files": _print_files(print_files.get(artwork.id, []), p.template_id)
                    if p.gelato_product_id else [],
                    "reason": p.reason,
                }
                for p in products for variants in [catalog.variants_for(p.id)]
            ],
        }


def _print_files(placed: list, template_id: str) -> list[dict]:
    """The product's files, one row per placeholder name and print area (variants of one size share one)."""
    rows = {}
    for f in placed:
        for used_template, _, placeholder, print_area in f.uses:
            if used_template == template_id:
                rows[(placeholder, print_area, f.path)] = {
                    "placeholder": placeholder, "print_area": print_area, "width_mm": f.width_mm,
                    "height_mm": f.height_mm, "bleed_mm": f.bleed_mm, "file": f.path, "width_px": f.width_px,
                    "height_px": f.height_px, "effective_dpi": f.effective_dpi}
    return list(rows.values())


def load_print_files(instance, artwork_ids: list[str]) -> dict[str, list]:
    """The `print_files` asset's value of each artwork that has one (through the runs' IO manager;
    a batch records a materialization for its stopped artworks too, which stored nothing)."""
    import contextlib
    import io
    import warnings

    from dagster import AssetKey

    found = {}
    # The console stays the demo's: Dagster's beta notices (on import), and the DEBUG lines of the
    # console logger `load_asset_value` builds for itself on the current stderr.
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        from pod_pipeline.definitions import build_definitions

        defs = build_definitions(os.environ)
        for artwork_id in artwork_ids:
            try:
                found[artwork_id] = defs.load_asset_value(AssetKey("print_files"), partition_key=artwork_id,
                                                          instance=instance)
            except FileNotFoundError:
                continue  # stopped before its print files
    return found


def _price(product, variant, pushed, store, marketplaces) -> dict:
    storefront = None
    if marketplaces is not None and store is not None and product.external_id and variant.external_id:
        # Etsy renumbers products on each write: the id the last push left is the current one.
        same_product = pushed is not None and pushed.product_external_id == product.external_id
        variant_id = pushed.external_id if same_product and pushed.external_id else variant.external_id
        storefront = marketplaces.storefront_price(store.marketplace, product.external_id, variant_id)
    return {"variant": variant.title, "price": variant.price, "currency": variant.currency,
            "storefront_price": storefront}


STOPPED_ARTWORK_STATUSES = ("rejected", "failed")


def own_run_finished(instance, artwork_id: str) -> bool:
    """A run of this artwork alone has finished (its stop recorded as the partition's failure)."""
    from dagster import DagsterRunStatus, RunsFilter

    finished = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]
    return bool(instance.get_runs_count(RunsFilter(tags={"dagster/partition": artwork_id}, statuses=finished)))


def run_demo(artworks_dir: Path | None, home: Path, publish_delay: float = 1.0,
             timeout_seconds: float = 600.0) -> tuple[list[dict], DemoEnvironment]:
    from pod_pipeline.artwork.samples import write_sample_set
    from pod_pipeline.tools.instance_config import write_embedded_instance
    from pod_pipeline.tools.sandbox.config import SandboxConfig
    from pod_pipeline.tools.sandbox.server import SandboxServer
    from pod_pipeline.tools.serving import BackgroundServer
    from pod_pipeline.catalog.sqlite import SqliteCatalog
    from pod_pipeline.settings.loading import load_settings
    from pod_pipeline.storage.file_server import BUCKET_MOUNT, create_bucket_app
    from pod_pipeline.webhooks.app import WEBHOOK_PATH, create_webhook_app

    env = DemoEnvironment(home=home.resolve())
    write_embedded_instance(env.dagster_home)
    if artworks_dir is None:
        artworks_dir = env.home / "samples"
        artworks_dir.mkdir(parents=True, exist_ok=True)
        write_sample_set(artworks_dir)

    secret = secrets.token_urlsafe(24)
    catalog = SqliteCatalog(env.home / "catalog.db")
    if not os.environ.get("POD_SETTINGS"):  # a seller's own settings are used as they are
        env.settings_path = write_demo_settings(env.home)
    stores = load_settings(env.settings_path).all_stores()
    with BackgroundServer(create_webhook_app(lambda: catalog, secret)) as receiver, \
            SandboxServer(SandboxConfig(publish_delay_seconds=publish_delay, webhook_secret=secret,
                                        webhook_url=receiver.base_url + WEBHOOK_PATH)) as sandbox, \
            BackgroundServer(create_bucket_app(env.bucket_dir)) as bucket, \
            StandinMarketplaces({s.gelato_store_id: s.marketplace for s in stores}) as marketplaces:
        env.sandbox_url, env.bucket_url = sandbox.base_url, bucket.base_url + BUCKET_MOUNT
        env.shopify_url, env.etsy_url = marketplaces.shopify_url, marketplaces.etsy_url
        sandbox.state.on_listed = marketplaces.listed
        os.environ.update(env.environ())
        from dagster import DagsterInstance

        paths = put_into_bucket(artwork_files(artworks_dir), env.bucket_dir)
        # The real daemon ticks the sensors, queues and launches the runs and records it all, so
        # the instance browses as a production one would: runs on the timeline and under their
        # sensor, productive ticks with their summaries. Its console goes to a file.
        services_env = dev_child_environment(os.environ, env.environ())
        # The instance (its SQLite storages, made on opening) comes first: made by two processes at once,
        # their schema stamps can race (two alembic heads).
        pushing = [s.name for s in stores if s.pushes_prices()]
        with DagsterInstance.get() as instance, daemon(services_env, env.log_path) as process:
            def settled() -> bool:
                results = list(iter_results(catalog, paths))
                return (all(r["status"] in FINAL_ARTWORK_STATUSES for r in results)
                        and instance.get_runs_count() > 0 and not active_runs(instance)
                        # a batch's stopped artworks are each rerun on their own (`stopped_sensor.py`)
                        and all(own_run_finished(instance, r["artwork_id"]) for r in results
                                if r["status"] in STOPPED_ARTWORK_STATUSES)
                        # every live price on the storefront (`storefront_prices`, started by its sensor)
                        and not catalog.due_storefront_prices(now(), limit=1, stores=pushing))

            try:
                wait_for(settled, process, env.log_path, timeout_seconds, "every artwork published or rejected")
            except TimeoutError as late:  # the table still shows where each artwork got to
                print(f"{late}; the end of Dagster's log:\n{env.log_path.read_text(errors='replace')[-3000:]}",
                      file=sys.stderr)
            env.webhooks = len(sandbox.state.webhooks())
            # What the hourly automation would have done by now: the funnel, with its check,
            # launched as an operator would (Dagster's CLI, through the run queue).
            launch_job("refresh_funnel", services_env)
            wait_for(lambda: not active_runs(instance), process, env.log_path, 120, "the funnel's run")
            env.runs, env.ticks = instance.get_runs_count(), sensor_ticks(instance)
            placed = load_print_files(instance, [r["artwork_id"] for r in iter_results(catalog, paths)])
        env.gelato_calls = sandbox.call_counts()
        env.storefront_calls = {"shopify": marketplaces.shopify.requests, "etsy": marketplaces.etsy.requests}
    return list(iter_results(catalog, paths, stores, marketplaces, placed)), env
