"""UUID checks for the Postgres catalog, whose user and product ids are uuid columns."""

from __future__ import annotations

import uuid
from typing import Any


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def require_uuid(value: Any, what: str) -> None:
    if not is_uuid(value):
        raise ValueError(
            f"{what} {value!r} is not a UUID. The Postgres (Supabase) catalog stores Supabase user ids, i.e. the "
            "first folder of the upload path `<user uuid>/<file>`, and uuid5 product ids (product_id_for); "
            "demo-mode owners that are not UUIDs only fit the SQLite catalog.")
