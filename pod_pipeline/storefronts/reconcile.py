"""Storefront prices against the catalog: what the buyer sees on each live product's variants,
read back from the marketplace, compared with the catalog's price. A fix marks the drifted
variants due, so the next push (or the one `reconcile --fix` makes at once) sets them again."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

from pod_pipeline.catalog.base import Catalog
from pod_pipeline.catalog.rows import StorefrontPriceRow
from pod_pipeline.settings.stores import StoreSettings
from pod_pipeline.storefronts.base import Storefront, StorefrontError


@dataclass(frozen=True)
class PriceDrift:
    artwork_id: str
    user_id: str
    product_id: str
    template_variant_id: str
    product_external_id: str
    variant_external_id: str
    catalog_price: Decimal
    storefront_price: Decimal | None  # None: the storefront has no such variant (or could not be read)
    currency: str
    note: str = ""

    def to_json(self) -> dict:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


def find_price_drift(catalog: Catalog, storefront: Storefront, store: str = "main") -> list[PriceDrift]:
    """The live products of one store whose storefront prices differ from the catalog's."""
    drift: list[PriceDrift] = []
    for product in catalog.products_with_status("active"):
        if not product.external_id or product.store != store:
            continue
        pushed = {r.template_variant_id: r for r in catalog.storefront_prices_for(product.artwork_id)
                  if r.product_id == product.id}
        variants = [v for v in catalog.variants_for(product.id) if v.price is not None and v.external_id]
        if not variants:
            continue
        try:
            shown, note = storefront.read_prices(product.external_id), ""
        except StorefrontError as unreadable:
            shown, note = {}, str(unreadable)
        for variant in variants:
            record = pushed.get(variant.template_variant_id)
            current = (record.external_id if record is not None and record.external_id
                       and record.product_external_id == product.external_id else variant.external_id)
            seen = shown.get(str(current))
            if seen is None or seen != variant.price:
                drift.append(PriceDrift(product.artwork_id, product.user_id, product.id, variant.template_variant_id,
                                        product.external_id, str(current), variant.price, seen,
                                        variant.currency or "", note))
    return drift


def mark_due(catalog: Catalog, drift: list[PriceDrift], store: StoreSettings) -> None:
    """Forget what was pushed for these variants: they are due at once."""
    catalog.record_storefront_prices([
        StorefrontPriceRow(product_id=d.product_id, template_variant_id=d.template_variant_id, artwork_id=d.artwork_id,
                           user_id=d.user_id, store=store.name, marketplace=store.marketplace,
                           product_external_id=d.product_external_id, external_id=d.variant_external_id,
                           price=None, currency=None, error="reconcile: the storefront showed "
                           f"{d.storefront_price if d.storefront_price is not None else 'nothing'}")
        for d in drift])
