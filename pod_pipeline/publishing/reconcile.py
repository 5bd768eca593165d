"""Comparing the catalog with the Gelato store, and repairing the catalog (`pod-pipeline reconcile`).

The store's product list is read in full (paged, oldest first so new products cannot shift
pages under the reader) and matched with every catalog row that holds a Gelato id. Drift is:

* missing: the catalog holds a Gelato id the store no longer has;
* status: the catalog's status or listing id differs from what the store says now;
* duplicate: a store product no catalog row points at, with the title and variants of one that
  does (a second create of the same product: what exactly-once must prevent);
* extra: any other store product no catalog row points at (made by hand, or left behind);
* unfinished: a create intent whose lease ran out with no product recorded (a run died).

`--fix` repairs the catalog only: missing products are marked deleted and flagged for republish,
statuses are taken from the store, an unfinished intent adopts its store product when there is
one. Store products are never deleted, except the ids an operator names explicitly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from pod_pipeline.catalog.base import Catalog
from pod_pipeline.catalog.rows import ProductRow, now
from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.gelato.models import StoreProduct
from pod_pipeline.publishing.product_status import artwork_outcome, gelato_status, status_fields
from pod_pipeline.settings.publishing import PublishingSettings

DRIFT_KINDS = ("missing", "status", "duplicate", "extra", "unfinished")


@dataclass(frozen=True)
class Drift:
    kind: str
    detail: str
    gelato_product_id: str | None = None
    product_id: str | None = None
    artwork_id: str | None = None


@dataclass
class ReconcileReport:
    store_products: int = 0
    catalog_products: int = 0
    drift: list[Drift] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {kind: sum(d.kind == kind for d in self.drift) for kind in DRIFT_KINDS}

    def to_json(self) -> dict:
        return {"store_products": self.store_products, "catalog_products": self.catalog_products,
                "drift": self.counts(), "items": [asdict(d) for d in self.drift], "fixed": self.fixed,
                "deleted_from_store": self.deleted}


def signature(title: str | None, variant_titles: list[str]) -> tuple[str, tuple[str, ...]]:
    """What a second create of the same product would share with the first."""
    return (title or "", tuple(sorted(variant_titles)))


def _store_signature(product: StoreProduct) -> tuple[str, tuple[str, ...]]:
    return signature(product.title, [v.title or "" for v in product.variants])


def _status_drift(row: ProductRow, product: StoreProduct) -> str | None:
    expected = gelato_status(product)
    if row.status == "stalled" and expected in ("created", "publishing"):
        return None  # stalled is our judgement of a product Gelato still calls publishing
    if row.status != expected:
        return f"catalog says {row.status}, Gelato says {product.status}" + (
            f" ({product.publishing_error_code})" if product.publishing_error_code else "")
    if (row.external_id or None) != (product.external_id or None):
        return f"catalog listing id {row.external_id!r}, Gelato {product.external_id!r}"
    return None


def find_drift(catalog: Catalog, client: GelatoClient, store_id: str, store_name: str = "main"
               ) -> tuple[ReconcileReport, dict[str, StoreProduct]]:
    """One store's drift: its Gelato products against the catalog rows of that store."""
    store = {p.id: p for p in client.iter_products(store_id, order="asc", order_by="createdAt")}
    rows = catalog.products_in_store(store=store_name)
    report = ReconcileReport(store_products=len(store), catalog_products=len(rows))
    owned = {r.gelato_product_id for r in rows}
    signatures = {}
    for row in rows:
        product = store.get(row.gelato_product_id)
        if product is not None:
            signatures[_store_signature(product)] = row
        if row.status == "deleted":
            continue
        if product is None:
            report.drift.append(Drift("missing", f"catalog product ({row.status}) is not in the store",
                                      row.gelato_product_id, row.id, row.artwork_id))
        elif (problem := _status_drift(row, product)) is not None:
            report.drift.append(Drift("status", problem, row.gelato_product_id, row.id, row.artwork_id))
    for product in store.values():
        if product.id in owned:
            continue
        twin = signatures.get(_store_signature(product))
        if twin is not None:
            report.drift.append(Drift("duplicate", f"a second {product.title!r}: the catalog's is "
                                      f"{twin.gelato_product_id}", product.id, twin.id, twin.artwork_id))
        else:
            report.drift.append(Drift("extra", f"{product.title!r} ({product.status}) is not in the catalog",
                                      product.id))
    cutoff = now()
    for row in catalog.products_with_status("creating"):
        if row.store != store_name:
            continue
        if row.lease_until is None or row.lease_until < cutoff:  # a live claim is a create in flight
            report.drift.append(Drift("unfinished", f"create intent of {row.intent_at:%Y-%m-%d %H:%M} UTC "
                                      "has no product recorded and no live claim", None, row.id, row.artwork_id))
    return report, store


def fix_drift(catalog: Catalog, client: GelatoClient, report: ReconcileReport, store: dict[str, StoreProduct],
              publishing: PublishingSettings) -> None:
    """Repair the catalog from the store's truth; never touches the store."""
    variant_titles: dict[str, list[str]] = {}

    def template_variants(template_id: str) -> list[str]:
        if template_id not in variant_titles:  # every template variant is on the product we made
            variant_titles[template_id] = [v.title for v in client.get_template(template_id).variants]
        return variant_titles[template_id]

    touched_artworks = set()
    # Only an `extra` (unknown to the catalog, twin of no recorded product) can be adopted, once.
    adoptable = {_store_signature(store[d.gelato_product_id]): store[d.gelato_product_id]
                 for d in report.drift if d.kind == "extra"}
    for item in report.drift:
        row = catalog.get_product(item.product_id) if item.product_id else None
        if row is None:
            continue
        if item.kind in ("missing", "status"):
            fields = status_fields(row, store.get(row.gelato_product_id), publishing, now())
            catalog.update_product(row.id, **fields)
            report.fixed.append(f"{item.kind}: {row.id} is now {fields['status']}")
        elif item.kind == "unfinished":
            found = adoptable.pop(signature(row.title, template_variants(row.template_id)), None)
            if found is not None:
                catalog.update_product(row.id, gelato_product_id=found.id, lease_until=None,
                                       **status_fields(row, found, publishing, now()))
                report.fixed.append(f"unfinished: {row.id} adopted store product {found.id}")
            else:
                catalog.update_product(row.id, status="pending", lease_until=None,
                                       reason="the create never finished: publish the artwork again")
                report.fixed.append(f"unfinished: {row.id} is pending again")
        else:
            continue
        touched_artworks.add(row.artwork_id)
    for artwork_id in touched_artworks:
        status, reason = artwork_outcome(catalog.products_for(artwork_id))
        catalog.set_artwork_status(artwork_id, status, reason)


def delete_from_store(client: GelatoClient, catalog: Catalog, store_id: str, gelato_ids: list[str],
                      report: ReconcileReport) -> None:
    """Delete the named store products: only duplicates or extras, never one the catalog uses."""
    for gelato_id in gelato_ids:
        if catalog.product_with_gelato_id(gelato_id) is not None:
            raise ValueError(f"{gelato_id} is a catalog product; delete it in Gelato by hand if you mean it")
        if client.delete_product(store_id, gelato_id):
            report.deleted.append(gelato_id)


def reconcile_store(catalog: Catalog, client: GelatoClient, store_id: str, publishing: PublishingSettings, *,
                    fix: bool = False, delete_ids: list[str] | None = None, store_name: str = "main",
                    ) -> tuple[ReconcileReport, ReconcileReport]:
    """Find one store's drift; with `fix`, repair the catalog; delete the named store products
    (those of this store). Returns the drift found and the drift left afterwards."""
    found, store = find_drift(catalog, client, store_id, store_name)
    if not (fix or delete_ids):
        return found, found
    if fix:
        fix_drift(catalog, client, found, store, publishing)
    if delete_ids:
        delete_from_store(client, catalog, store_id, [i for i in delete_ids if i in store], found)
    left, _ = find_drift(catalog, client, store_id, store_name)
    return found, left


def combined(reports: list[ReconcileReport]) -> ReconcileReport:
    """Several stores' reports as one (each item names its product, so none is lost)."""
    whole = ReconcileReport()
    for report in reports:
        whole.store_products += report.store_products
        whole.catalog_products += report.catalog_products
        whole.drift += report.drift
        whole.fixed += report.fixed
        whole.deleted += report.deleted
    return whole


def describe(found: ReconcileReport, left: ReconcileReport) -> str:
    lines = [f"store products: {found.store_products}, catalog products with a Gelato id: {found.catalog_products}",
             "drift: " + ", ".join(f"{kind} {count}" for kind, count in found.counts().items())]
    lines += [f"  {d.kind:<10} {d.gelato_product_id or '-':<38} {d.detail}" for d in found.drift]
    lines += [f"fixed: {line}" for line in found.fixed]
    lines += [f"deleted from the store: {gelato_id}" for gelato_id in found.deleted]
    if left is not found:
        lines.append("drift left: " + ", ".join(f"{kind} {count}" for kind, count in left.counts().items()))
    return "\n".join(lines)
