"""The fault soak: N artworks through the real flow against a Gelato sandbox that misbehaves.

Everything is real except Gelato: the bucket server, the webhook receiver (the sandbox delivers
its events there), a SQLite catalog and Dagster instance, the upload sensor and the status
sensor ticked as the daemon would, and every requested run executed through Dagster with its
retry policies. The sandbox answers 5xx and 429s, loses create responses after making the
product, fails some products' publishing, and drops, duplicates and reorders webhooks. At the
end the catalog is reconciled against the store: the goal is 0 duplicates, 0 drift, and every
artwork in a final state with a reason.

    run_soak(artworks=300)  # → {"artworks", "published", "rejected", "failed", "not_final", ...}
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

import yaml

from pod_pipeline.tools.benchmarks.artworks import write_artworks
from pod_pipeline.catalog.rows import FINAL_ARTWORK_STATUSES
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.tools.demo import put_into_bucket
from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.tools.instance_config import write_embedded_instance
from pod_pipeline.publishing.reconcile import find_drift
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.server import SandboxServer
from pod_pipeline.tools.sensor_driver import drive_until
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.settings import DEFAULT_SETTINGS_PATH
from pod_pipeline.storage.base import artwork_id_for
from pod_pipeline.storage.file_server import BUCKET_MOUNT, create_bucket_app
from pod_pipeline.webhooks.app import WEBHOOK_PATH, create_webhook_app

MUG = "5b0e7d41-2c8a-4f63-b9d7-a6e1c30f9d25"
# The defaults: 10% 5xx, 5% 429, 2% lost create responses, 2% publishing_error, 20% of
# webhooks dropped, duplicated or delayed out of order.
DEFAULT_FAULTS = {"rate_5xx": 0.10, "rate_429": 0.05, "rate_lost_create": 0.02, "rate_publishing_error": 0.02,
                  "rate_webhook_drop": 0.20, "rate_webhook_duplicate": 0.20, "rate_webhook_delay": 0.20,
                  "webhook_delay_seconds": 2.0, "hang_seconds": 1.0}
# One in this many uploads is not an image: rejections are part of every real batch.
BAD_UPLOAD_EVERY = 20


def write_soak_artworks(folder: Path, count: int, bad_every: int = BAD_UPLOAD_EVERY) -> list[Path]:
    """Small, distinct, printable mug artworks (and the odd broken upload)."""
    return write_artworks(folder, count, stem="soak-pattern", size=(2600, 1150), bad_every=bad_every)


def soak_settings(folder: Path) -> Path:
    """The bundled settings on the mug only, following quickly, retrying an ambiguous create soon."""
    settings = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    settings["templates"] = [{"id": MUG, "fit_method": "meet"}]
    settings["publishing"] = {**settings["publishing"], "first_check_seconds": 0.5, "max_check_interval_seconds": 4,
                              "ambiguous_retry_seconds": 2, "stalled_after_seconds": 120}
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def run_soak(artworks: int = 300, faults: dict | None = None, timeout_seconds: float = 3600.0,
             home: Path | None = None, bad_every: int = BAD_UPLOAD_EVERY) -> dict:
    logging.getLogger("dagster").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    home = Path(home or tempfile.mkdtemp(prefix="pod-soak-"))
    write_embedded_instance(home / "dagster")
    catalog = SqliteCatalog(home / "catalog.db")
    secret = secrets.token_urlsafe(16)
    files = write_soak_artworks(home / "incoming", artworks, bad_every)
    knobs = {**DEFAULT_FAULTS, **(faults or {})}
    started = time.monotonic()
    with BackgroundServer(create_webhook_app(lambda: catalog, secret)) as receiver, \
            SandboxServer(SandboxConfig(publish_delay_seconds=0.3, webhook_secret=secret, seed=7,
                                        webhook_url=receiver.base_url + WEBHOOK_PATH, **knobs)) as sandbox, \
            BackgroundServer(create_bucket_app(home / "bucket")) as bucket:
        env = {"POD_MODE": "demo", "POD_SANDBOX_URL": sandbox.base_url, "GELATO_API_KEY": "sandbox-key",
               "POD_BUCKET_DIR": str(home / "bucket"), "POD_BUCKET_URL": bucket.base_url + BUCKET_MOUNT,
               "POD_CATALOG_URL": f"sqlite:///{home / 'catalog.db'}", "POD_SETTINGS": str(soak_settings(home)),
               "POD_COPY_CACHE_DIR": str(home / "copy-cache"), "DAGSTER_HOME": str(home / "dagster")}
        from dagster import DagsterInstance

        from pod_pipeline.definitions import build_definitions

        defs = build_definitions(env)
        paths = put_into_bucket(files, home / "bucket")
        ids = [artwork_id_for(path) for path in paths]
        with DagsterInstance.from_config(str(home / "dagster")) as instance:
            def all_final() -> bool:
                return all((catalog.get_artwork(i).status if catalog.get_artwork(i) else "pending")
                           in FINAL_ARTWORK_STATUSES for i in ids)

            _, runs = drive_until(defs, instance, all_final, timeout_seconds, idle_pause_seconds=0.3)
        sandbox.set_faults(**{k: 0.0 for k in knobs if k.startswith("rate_")})  # reconcile on a calm API
        seller_store = defs.resources["settings"].load().store_id
        with GelatoClient("sandbox-key", ecommerce_url=sandbox.ecommerce_url, product_url=sandbox.product_url) as client:
            drift, _ = find_drift(catalog, client, seller_store)
        calls = sandbox.call_counts()
        webhooks = sandbox.state.webhooks()
    return summarize(catalog, ids, drift, calls, webhooks, runs, time.monotonic() - started, knobs)


def summarize(catalog: SqliteCatalog, ids: list[str], drift, calls: dict[str, int], webhooks: list[dict],
              runs: int, seconds: float, knobs: dict) -> dict:
    rows = [catalog.get_artwork(i) for i in ids]
    states = Counter(r.status if r else "pending" for r in rows)
    products = sum(1 for p in catalog.products_in_store())
    counts = drift.counts()
    return {
        "artworks": len(ids),
        "published": states["published"],
        "partial": states["partial"],
        "rejected": states["rejected"],
        "failed": [{"artwork": r.id, "reason": r.reason} for r in rows if r and r.status == "failed"],
        "not_final": [i for i, r in zip(ids, rows) if not r or r.status not in FINAL_ARTWORK_STATUSES],
        "without_reason": [r.id for r in rows if r and r.status in ("rejected", "failed", "partial") and not r.reason],
        "products_in_store": drift.store_products,
        "products_in_catalog": products,
        "duplicates": counts["duplicate"],
        "drift": sum(counts.values()),
        "drift_by_kind": counts,
        "calls_per_product": {route: round(n / max(products, 1), 3) for route, n in sorted(calls.items())},
        "gelato_calls": calls,
        "webhooks": {"sent": len(webhooks), "delivered": sum(w["delivered"] for w in webhooks)},
        "dagster_runs": runs,
        "seconds": round(seconds, 1),
        "faults": knobs,
    }
