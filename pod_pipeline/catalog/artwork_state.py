"""What an artwork row says while a newer upload of it is on its way, and who may write it.

**The row says what the store holds.** A re-upload is examined, priced and published before its
products replace the earlier ones (`publishing.retire_outdated` deletes the old product just
before the new create). Until then the earlier products are the ones a buyer sees. So while
the artwork has products in the store (a Gelato id, status created/publishing/active), a
write of `processing`, `rejected` or `failed` does not touch `status` and `reason`: it goes to
`new_version_status` / `new_version_reason` ("the new upload was rejected: …; the store still
sells the previous version"), and the examined-file columns (checksum, size in pixels, format,
preview) keep describing the file examined last until a new one is examined. Any other status (`publishing`, `published`, `partial`) is about
the products themselves and clears the new-version columns. A row whose status would claim
nothing is live while products are kept says `publishing` (the status sensor settles it).

The rule is one SQL expression, evaluated inside the same statement as the write, so a status
sensor and a publishing run writing at once cannot interleave a read and a write. Both catalogs
use this text (SQLite and Postgres share the syntax; only the placeholder style differs).

**Identity never changes.** An artwork's id, owner and path are fixed when it is first
recorded: an upsert naming the same id with another owner or path is refused
(`ArtworkIdentityError`), and the databases refuse it too (migration 20261202000001, the SQLite
triggers in `catalog/sqlite.py`).
"""

from __future__ import annotations

from typing import Callable

# Statuses about the upload being examined or refused, not about products in the store.
NEW_VERSION_STATUSES = ("processing", "rejected", "failed")
# Product statuses that mean the store holds (or is making) a product a buyer may see. Not
# `stalled`: the products' own outcome for it is `failed` (artwork_outcome), which must stand.
IN_STORE_STATUSES = ("created", "publishing", "active")


class ArtworkIdentityError(ValueError):
    """An upsert tried to give an existing artwork another owner or path."""

    def __init__(self, artwork_id: str):
        super().__init__(
            f"artwork {artwork_id!r} already belongs to another upload (owner or path differ): an artwork's "
            "owner and path never change, so this write was refused and nothing was changed")


# What the examined file was: a write that does not know it yet (a new version still being examined,
# or rejected) keeps the values of the file examined last, whose products the store may still sell.
EXAMINED_COLUMNS = ("checksum", "width", "height", "format", "preview_path")


def kept_or_new(column: str, table: str = "artwork") -> str:
    """The upsert's value for `column`: the new one, or for an examined-file column the kept one
    when the write has none."""
    if column in EXAMINED_COLUMNS:
        return f"coalesce(excluded.{column}, {table}.{column})"
    return f"excluded.{column}"


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def status_assignments(param: Callable[[str], str], table: str = "artwork", products: str = "product") -> str:
    """`SET` assignments of status, reason and the new-version columns for a write of status
    `param('status')` with reason `param('reason')` to the row `table` (the updated row's
    own name, which both databases resolve to its values before the update); `products` is the
    product table as the statement must name it."""
    status, reason = param("status"), param("reason")
    held = (f"({status} in ({_quoted(NEW_VERSION_STATUSES)}) and exists (select 1 from {products} p "
            f"where p.artwork_id = {table}.id and p.gelato_product_id is not null "
            f"and p.status in ({_quoted(IN_STORE_STATUSES)})))")
    kept_status = (f"case when {table}.status in ('publishing', 'published', 'partial') "
                   f"then {table}.status else 'publishing' end")
    return (f"status = case when {held} then {kept_status} else {status} end, "
            f"reason = case when {held} and {table}.status in ('publishing', 'published', 'partial') "
            f"then {table}.reason when {held} then null else {reason} end, "
            f"new_version_status = case when {held} then {status} else null end, "
            f"new_version_reason = case when {held} then {reason} else null end")
