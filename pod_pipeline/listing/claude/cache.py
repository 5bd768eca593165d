"""`CachedCopywriter`: the same artwork, prompt version, model and request never pay twice.

Re-materializing an artwork (a re-run, a downstream change) would otherwise call the API again
for the same answer. The key covers everything the copy depends on, so a new image, a prompt
version bump, a model change or different products/banned words all miss the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from pydantic import ConfigDict

from pod_pipeline.listing.copywriter import Copywriter, CopyResult
from pod_pipeline.listing.model import CopyRequest


class CachedCopyResult(CopyResult):
    """A `CopyResult` served from the cache: tokens, cost and request id are those of the
    original call (provenance), `cached` says no API call was made this time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cached: bool = True


def cache_key(request: CopyRequest, prompt_version: str, model: str | None) -> str:
    digest = hashlib.sha256()
    digest.update(hashlib.sha256(request.preview_jpeg or b"").digest())
    data = request.model_dump(mode="json", exclude={"preview_jpeg"})
    # The artwork id names the upload, not its content: two uploads of one image share copy.
    data.pop("artwork_id", None)
    if not data.get("marketplaces"):  # one shared copy: keys as before marketplaces existed
        data.pop("marketplaces", None)
    for part in (prompt_version, model or "", json.dumps(data, sort_keys=True)):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


class CachedCopywriter:
    """Wraps a copywriter that has `prompt_version` and `model` attributes (ClaudeCopywriter)."""

    def __init__(self, inner: Copywriter, cache_dir: str | Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.cache_dir = Path(cache_dir)
        self.hits = self.misses = 0

    def _path(self, request: CopyRequest) -> Path:
        key = cache_key(request, getattr(self.inner, "prompt_version", ""), getattr(self.inner, "model", None))
        return self.cache_dir / key[:2] / f"{key}.json"

    def has(self, request: CopyRequest) -> bool:
        return self._path(request).exists()

    def store(self, request: CopyRequest, result: CopyResult) -> None:
        """Save a result made elsewhere (a batch row); rewriting a key is harmless."""
        plain = CopyResult(**result.model_dump(include=set(CopyResult.model_fields)))
        _write_atomically(self._path(request), plain.model_dump_json())

    def write(self, request: CopyRequest) -> CopyResult:
        path = self._path(request)
        if path.is_file():
            try:
                stored = CopyResult.model_validate_json(path.read_text(encoding="utf-8"))
            except ValueError:
                stored = None  # a damaged entry is a miss, then overwritten
            if stored is not None:
                self.hits += 1
                return CachedCopyResult(**stored.model_dump())
        self.misses += 1
        result = self.inner.write(request)
        self.store(request, result)
        return result


def _write_atomically(path: Path, text: str) -> None:
    # Parallel runs may write the same key: a rename never leaves a half-written entry.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
