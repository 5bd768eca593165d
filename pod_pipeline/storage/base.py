"""The artwork storage interface. The local folder and Supabase Storage both implement it, so
assets and sensors never know which one they talk to."""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

# Files the pipeline itself writes (previews, normalised print files) live under this prefix and
# are never treated as uploads.
DERIVED_PREFIX = "_pipeline/"


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
    def put_derived(self, artwork_id: str, name: str, data: bytes, content_type: str) -> str:
        """Store a file the pipeline made (preview, print file); returns its path."""

    @abstractmethod
    def print_file_url(self, path: str) -> str:
        """A URL Gelato can fetch without headers, valid through its fetch window."""
