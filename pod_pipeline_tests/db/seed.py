"""Two users' catalog rows, written the way the pipeline writes them (PostgresCatalog, as owner)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pod_pipeline.catalog.postgres import PostgresCatalog
from pod_pipeline.catalog.rows import ArtworkRow, ProductRow, VariantRow, product_id_for

USER_A = "0b6f6f53-4a57-4d0e-8a8f-aaaaaaaaaaaa"
USER_B = "0b6f6f53-4a57-4d0e-8a8f-bbbbbbbbbbbb"


@dataclass(frozen=True)
class Owned:
    user: str
    artwork: str
    product: str


def seed(database_url: str) -> dict[str, Owned]:
    owned = {}
    with PostgresCatalog(database_url) as db:
        for label, user in (("A", USER_A), ("B", USER_B)):
            artwork = f"art-{label.lower()}"
            pid = product_id_for(artwork, "tpl")
            db.upsert_artwork(ArtworkRow(id=artwork, user_id=user, path=f"{user}/{artwork}.png", version="1",
                                         status="published"))
            db.upsert_product(ProductRow(id=pid, artwork_id=artwork, template_id="tpl", user_id=user,
                                         status="active", title=f"Title {label}", tags=["t"]))
            db.replace_variants(pid, [VariantRow(product_id=pid, template_variant_id=f"v{i}", title=f"V{i}",
                                                 product_uid="uid", cost=Decimal("4.00"), price=Decimal("10.00"),
                                                 currency="EUR") for i in range(2)])
            db.record_webhook_event(f"evt-{label}", "store_product_updated", f"g-{label}", {"n": label})
            owned[label] = Owned(user, artwork, pid)
    return owned
