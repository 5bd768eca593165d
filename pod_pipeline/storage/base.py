"""The artwork storage interface. The local folder and Supabase Storage both implement it, so
assets and sensors never know which one they talk to."""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

# Files the pipeline itself writes (previews, print files) live in the owner's folder under
# `<owner>/_pipeline/<artwork>/`: the per-user Storage policy lets the artist read them with their
# own token (the frontend shows the preview), while the `_pipeline` folder is reserved (users may
# not write there, and nothing in it is an upload). Artworks examined before this layout keep
# their derived files under the bucket-level `_pipeline/<artwork>/` (DERIVED_PREFIX), still
# skipped by the scan and readable by their owner through the catalog row (a storage policy).
DERIVED_FOLDER = "_pipeline"
DERIVED_PREFIX = f"{DERIVED_FOLDER}/"
# Derived files are written once under a name that changes with their content, so browsers and
# CDNs may keep them for a year: a new version of an artwork gets a new preview path.
DERIVED_CACHE_SECONDS = 365 * 24 * 3600


def derived_path(owner: str, artwork_id: str, name: str) -> str:
    """Where the pipeline keeps a file it made for `owner`'s artwork."""
    if not owner or "/" in owner or owner.startswith(".") or owner == DERIVED_FOLDER:
        raise ValueError(f"cannot store a derived file for owner {owner!r}: uploads live in an owner folder")
    return f"{owner}/{DERIVED_PREFIX}{artwork_id}/{name}"


def content_name(stem: str, data: bytes, extension: str) -> str:
    """`preview-<64 bits of the content's SHA-256>.jpg`: a name that changes with the content, so
    a cached copy is never stale and what Gelato fetches is the file that was checked."""
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:16]}{extension}"


def is_derived(path: str) -> bool:
    """A file the pipeline wrote (either layout): never an upload."""
    parts = path.split("/")
    return parts[0] == DERIVED_FOLDER or (len(parts) > 2 and parts[1] == DERIVED_FOLDER)


# 128 bits of the path's hash: with a million uploads all named `image.png` the chance that two
# paths share an id is about 1e-27, and no search finds a pair (32 bits fell to a birthday search
# in under a second and made one user's upload take over another's artwork).
ID_HASH_HEX = 32


def artwork_id_for(path: str) -> str:
    """Stable partition key for an upload path: a readable slug of the file name plus 128 bits of
    the SHA-256 of the full path, so the path (which starts with the owner's folder) is the
    identity and the slug only helps a person read it. A new version of the same path keeps its
    id; the run key carries the version. Artworks recorded before ids had 128 bits keep their
    shorter id: the upload sensor finds them by path in the catalog."""
    stem = PurePosixPath(path).stem.lower()
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:40] or "artwork"
    return f"{slug}-{hashlib.sha256(path.encode('utf-8', 'surrogateescape')).hexdigest()[:ID_HASH_HEX]}"


@dataclass(frozen=True)
class Upload:
    path: str  # key inside the bucket, "<owner>/<name>"
    owner: str  # first folder of the path (the uploader's user id in Supabase)
    version: str  # changes whenever the file at `path` is written again (even with the same bytes)
    size: int
    updated_at: datetime
    # The partition key: `artwork_id_for(path)`, or the id the catalog already holds for this path
    # (an artwork recorded before ids had 128 bits).
    artwork_id: str = ""

    def __post_init__(self) -> None:
        if not self.artwork_id:
            object.__setattr__(self, "artwork_id", artwork_id_for(self.path))

    @property
    def run_key(self) -> str:
        return f"{self.artwork_id}@{self.version}"


def owner_of(path: str) -> str:
    parts = PurePosixPath(path).parts
    return parts[0] if len(parts) > 1 else ""


class ArtworkStorage(ABC):
    kind: str

    @abstractmethod
    def scan(self, cursor: str | None, limit: int) -> tuple[list[Upload], str | None]:
        """Uploads changed after `cursor`, oldest first, at most `limit`, and the new cursor."""

    @abstractmethod
    def stat(self, path: str) -> Upload | None:
        """The current version of one upload, or None when it is gone."""

    @abstractmethod
    def download(self, path: str, dest: Path) -> Path:
        """Copy the upload to a local file (big artworks never sit whole in memory twice)."""

    @abstractmethod
    def put_derived(self, artwork_id: str, name: str, data: bytes, content_type: str, *, owner: str) -> str:
        """Store a file the pipeline made (preview, print file) in `owner`'s folder, served with
        `content_type` and a long cache lifetime; returns its path (`derived_path`)."""

    @abstractmethod
    def print_file_url(self, path: str) -> str:
        """A URL Gelato can fetch without headers, valid through its fetch window."""
