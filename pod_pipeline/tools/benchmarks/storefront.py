"""`pod-pipeline bench storefront`: price pushes to the Shopify and Etsy stand-ins over HTTP, the
way `storefront_prices` pushes them (catalog → due variants → one push per product → recorded),
first with every price new, then with 10% of the variants re-priced. Under a throttle rate
(Shopify: THROTTLED answers on top of its cost bucket; Etsy: 429s on top of its per-second limit)
beside the floor: the same pushes with no injected throttling. Prices lost must be 0."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, VariantRow, now, product_id_for
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.ratelimit import Limit, MemoryBuckets, RateLimiter
from pod_pipeline.settings.stores import StoreSettings
from pod_pipeline.storefronts.etsy import ETSY, EtsyStorefront
from pod_pipeline.storefronts.push import push_due
from pod_pipeline.storefronts.shopify import ShopifyStorefront
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.tools.storefront_standins.etsy import EtsyShop, create_etsy_app
from pod_pipeline.tools.storefront_standins.faults import StorefrontFaults
from pod_pipeline.tools.storefront_standins.shopify import ShopifyShop, create_shopify_app

USER = "6a0c3a8e-4d8b-4f43-9a51-5a3d3bb1c001"
KEY, TOKEN = "bench-etsy-keystring", "bench-oauth-token-0123456789"


def _seed(catalog: SqliteCatalog, products: int, variants: int, rng: random.Random,
          store: str = "main") -> list[tuple[str, list[str]]]:
    """Live products with priced, listed variants; returns [(external id, [variant ids])]."""
    listed, rows = [], {}
    for n in range(products):
        artwork = f"art-{n}"
        catalog.upsert_artwork(ArtworkRow(id=artwork, user_id=USER, path=f"{USER}/{artwork}.png", version="v1"))
        pid, external = product_id_for(artwork, "poster", store), str(5_000_000 + n)
        catalog.upsert_product(ProductRow(id=pid, artwork_id=artwork, template_id="poster", user_id=USER,
                                          store=store, status="created"))
        catalog.update_product(pid, status="active", external_id=external, gelato_product_id=f"g-{n}")
        variant_ids = [str(7_000_000_000 + n * 100 + v) for v in range(variants)]
        rows[pid] = [VariantRow(product_id=pid, template_variant_id=f"tv{v}", title=f"Size {v}", product_uid="uid",
                                price=Decimal(rng.randint(1500, 6000)) / 100, currency="USD", external_id=vid)
                     for v, vid in enumerate(variant_ids)]
        listed.append((external, variant_ids))
    catalog.replace_artwork_variants(rows)
    return listed


def _reprice(catalog: SqliteCatalog, share: float, rng: random.Random) -> int:
    changed = 0
    for product in catalog.products_with_status("active"):
        variants = catalog.variants_for(product.id)
        moved = [v.model_copy(update={"price": v.price + Decimal("1.00")}) if rng.random() < share else v
                 for v in variants]
        changed += sum(a.price != b.price for a, b in zip(variants, moved))
        catalog.replace_artwork_variants({product.id: moved})
    return changed


def _run(marketplace: str, products: int, variants: int, throttle: float, seed: int) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        catalog = SqliteCatalog(Path(folder) / "catalog.db")
        faults = StorefrontFaults(rate_throttled=throttle)
        store = StoreSettings(name=f"bench-{marketplace}", gelato_store_id="g", marketplace=marketplace,
                              credentials={"api_key": "BENCH_KEY", "access_token": "BENCH_TOKEN"}
                              if marketplace == "etsy" else {"shop_url": "BENCH_URL", "access_token": "BENCH_TOKEN"})
        listed = _seed(catalog, products, variants, rng, store.name)
        if marketplace == "shopify":
            shop = ShopifyShop(access_token=TOKEN)
            for external, variant_ids in listed:
                shop.add_product(external, variant_ids)
            app = create_shopify_app(shop, faults, seed)
        else:
            shop = EtsyShop(api_key=KEY, access_token=TOKEN)
            for external, variant_ids in listed:
                shop.add_synced_listing(external, [(v, f"Size {i}") for i, v in enumerate(variant_ids)])
            app = create_etsy_app(shop, faults, seed)
        with BackgroundServer(app) as server:
            if marketplace == "shopify":
                client = ShopifyStorefront(server.base_url, TOKEN)
            else:
                limiter = RateLimiter(MemoryBuckets(), {ETSY: Limit(9, 1)})
                client = EtsyStorefront(KEY, TOKEN, base_url=server.base_url + "/v3/application", rate_limiter=limiter)
            with client:
                started = time.perf_counter()
                first = push_due(catalog, client, store, now(), limit=100_000)
                first_seconds = time.perf_counter() - started
                repriced = _reprice(catalog, 0.10, rng)
                started = time.perf_counter()
                second = push_due(catalog, client, store, now(), limit=100_000)
                second_seconds = time.perf_counter() - started
        # Anything still due a day on (past every back-off) would be a price the buyer never sees.
        lost = len(catalog.due_storefront_prices(now() + timedelta(days=1), limit=100_000))
    return {
        "marketplace": marketplace, "throttle_rate": throttle, "products": products, "variants": products * variants,
        "first_push_seconds": round(first_seconds, 2), "first_push_calls": first.calls,
        "calls_per_product": round(first.calls / products, 2), "throttled": first.throttled + second.throttled,
        "repriced_variants": repriced, "reprice_push_seconds": round(second_seconds, 2),
        "reprice_calls": second.calls, "calls_per_repriced_variant": round(second.calls / max(repriced, 1), 3),
        "prices_failed": first.failed + second.failed, "prices_lost": lost,
    }


def measure_storefront(products: int = 50, variants: int = 10, throttle: float = 0.3, seed: int = 7) -> list[dict]:
    """Each marketplace under the throttle rate, then its floor (no injected throttling)."""
    return [_run(m, products, variants, rate, seed) for m in ("shopify", "etsy") for rate in (throttle, 0.0)]
