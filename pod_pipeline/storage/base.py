"""The artwork storage interface. The local folder and Supabase Storage both implement it, so
assets and sensors never know which one they talk to."""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Iterable

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
    # Why this object is not an upload the pipeline may read (a bad name, no owner folder, a link
    # or a FIFO), in words a person can read; None for a good upload. The sensor reports it and
    # moves past it: one bad object never stops the others.
    refused: str | None = None

    def __post_init__(self) -> None:
        if not self.artwork_id:
            object.__setattr__(self, "artwork_id", artwork_id_for(self.path))
        if self.refused is None:
            object.__setattr__(self, "refused", path_problem(self.path))

    @property
    def run_key(self) -> str:
        return f"{self.artwork_id}@{self.version}"


def printable(path: str) -> str:
    """A path as a log line may show it: undecodable bytes and control characters escaped, so a
    file name can neither break the line nor forge another."""
    text = path.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def path_problem(path: str) -> str | None:
    """Why `path` cannot be an upload, or None. Uploads live at `<owner>/<file>` inside the
    bucket; anything else (outside an owner folder, climbing out with `..`, absolute, a name
    that is not UTF-8 or holds control characters) is refused with this reason."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8: rename it and upload it again"
    if not path or path.startswith("/") or "\\" in path:
        return "the path must be <owner>/<file> inside the bucket"
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "the path holds an empty, '.' or '..' segment: it must be <owner>/<file> inside the bucket"
    if any(not c.isprintable() for c in path):
        return "the file name holds control characters: rename it and upload it again"
    if len(parts) < 2:
        return "the file is not in an owner folder: uploads go to <owner>/<file>, so nobody owns it"
    return None


class UploadRefused(ValueError):
    """This upload cannot be read (bad path, a link, not a regular file, too large): the reason
    is for the seller; the artwork is rejected, the others go on."""


def copy_limited(chunks: Iterable[bytes], dest: Path, max_bytes: int | None, declared: int | None, what: str) -> None:
    """Stream `chunks` to `dest`, refusing more than `max_bytes`: first by the size the store
    declares, then while copying (a declared size can lie, a device never ends)."""
    if max_bytes is not None and declared is not None and declared > max_bytes:
        raise UploadRefused(f"{what}: {declared:,} bytes, over the limit of {max_bytes:,} (print.max_file_bytes)")
    written = 0
    with open(dest, "wb") as out:
        for chunk in chunks:
            written += len(chunk)
            if max_bytes is not None and written > max_bytes:
                raise UploadRefused(f"{what}: over the limit of {max_bytes:,} bytes (print.max_file_bytes)")
            out.write(chunk)


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
    def download(self, path: str, dest: Path, max_bytes: int | None = None) -> Path:
        """Copy the upload to a local file, streamed (never whole in memory), refusing more than
        `max_bytes` (`UploadRefused`)."""

    @abstractmethod
    def put_derived(self, artwork_id: str, name: str, data: bytes, content_type: str, *, owner: str) -> str:
        """Store a file the pipeline made (preview, print file) in `owner`'s folder, served with
        `content_type` and a long cache lifetime; returns its path (`derived_path`)."""

    @abstractmethod
    def print_file_url(self, path: str) -> str:
        """A URL Gelato can fetch without headers, valid through its fetch window."""
