"""A local folder laid out like the Supabase bucket: `<root>/<owner>/<file>`.

New uploads are found by a keyset cursor over (arrival time, path), the same shape as the
production query over `storage.objects(updated_at, id)`. Files are served to Gelato by the
bundled file server (`pod_pipeline.storage.file_server`) at `public_base_url`.
"""

from __future__ import annotations

import errno
import os
from datetime import datetime, timezone
from pathlib import Path
from stat import S_ISLNK, S_ISREG
from urllib.parse import quote, quote_from_bytes, unquote_to_bytes

from pod_pipeline.storage.base import (
    ArtworkStorage,
    Upload,
    UploadRefused,
    copy_limited,
    derived_path,
    is_derived,
    owner_of,
    path_problem,
    printable,
)


def _arrival_ns(stat: os.stat_result) -> int:
    # ctime moves on create/rename/copy, so a file copied in with an old preserved mtime still
    # counts as new.
    return max(stat.st_mtime_ns, stat.st_ctime_ns)


def _encode_cursor(arrival_ns: int, path: bytes) -> str:
    # The path as percent-encoded bytes: a file name that is not UTF-8 must still make a cursor
    # Dagster can store (it once made every tick raise, and no later upload was ever found).
    return f"b|{arrival_ns}|{quote_from_bytes(path, safe='/')}"


def _decode_cursor(cursor: str | None) -> tuple[int, bytes]:
    if not cursor:
        return (-1, b"")
    if cursor.startswith("b|"):
        arrival, _, path = cursor[2:].partition("|")
        return (int(arrival), unquote_to_bytes(path))
    arrival, _, path = cursor.partition("|")  # cursors written before: the path as text
    return (int(arrival), path.encode())


def _readable(stat: os.stat_result) -> str | None:
    """Why an object in the bucket folder is not read, or None for a regular file."""
    if S_ISLNK(stat.st_mode):
        return "a symbolic link, not a file: only regular files inside the bucket are read"
    if not S_ISREG(stat.st_mode):
        return "not a regular file (a FIFO, device or socket): only regular files are read"
    return None


class LocalFolderStorage(ArtworkStorage):
    kind = "local"

    def __init__(self, root: str | os.PathLike, public_base_url: str | None = None):
        self.root = Path(root)
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None

    def _upload(self, path: str, stat: os.stat_result) -> Upload:
        arrival = _arrival_ns(stat)
        return Upload(
            path=path,
            owner=owner_of(path),
            version=f"{stat.st_mtime_ns:x}-{stat.st_size:x}",
            size=stat.st_size,
            updated_at=datetime.fromtimestamp(arrival / 1e9, tz=timezone.utc),
            refused=path_problem(path) or _readable(stat),
        )

    def scan(self, cursor: str | None, limit: int) -> tuple[list[Upload], str | None]:
        after = _decode_cursor(cursor)
        found: list[tuple[int, bytes, str, os.stat_result]] = []
        if self.root.is_dir():
            for dirpath, dirnames, filenames in os.walk(self.root):  # never into linked folders
                folder = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
                folder = "" if folder == "." else folder + "/"
                # Hidden folders, and the pipeline's own files (`_pipeline/` at the top or in an
                # owner's folder): never walked, they hold most of a bucket's files.
                dirnames[:] = [d for d in dirnames if not d.startswith(".") and not is_derived(f"{folder}{d}/x")]
                for name in filenames:
                    if name.startswith("."):
                        continue  # hidden and in-flight temp files
                    rel = folder + name
                    if is_derived(rel):
                        continue
                    full = os.path.join(dirpath, name)
                    try:
                        stat = os.lstat(full)  # the link itself, never what it points at
                    except FileNotFoundError:
                        continue
                    key = (_arrival_ns(stat), os.fsencode(rel))
                    if key > after:
                        found.append((*key, rel, stat))
        found.sort(key=lambda item: (item[0], item[1]))
        page = found[:limit]
        new_cursor = _encode_cursor(page[-1][0], page[-1][1]) if page else cursor
        return [self._upload(rel, stat) for _, _, rel, stat in page], new_cursor

    def _inside(self, path: str) -> Path:
        problem = path_problem(path)
        if problem:
            raise UploadRefused(f"{printable(path)}: {problem}")
        return self.root / path

    def stat(self, path: str) -> Upload | None:
        try:
            return self._upload(path, self._inside(path).lstat())
        except FileNotFoundError:
            return None

    def download(self, path: str, dest: Path, max_bytes: int | None = None) -> Path:
        """Only a regular file inside the bucket (no link is followed), and never more than
        `max_bytes`: checked before the copy and enforced while it streams."""
        source = self._inside(path)
        try:
            fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise UploadRefused(f"{printable(path)}: {_readable(source.lstat())}") from None
            raise
        with os.fdopen(fd, "rb") as upload:
            refused = _readable(os.fstat(upload.fileno()))
            if refused:
                raise UploadRefused(f"{printable(path)}: {refused}")
            copy_limited(iter(lambda: upload.read(1 << 20), b""), dest, max_bytes, os.fstat(upload.fileno()).st_size,
                         printable(path))
        return dest

    def put_derived(self, artwork_id: str, name: str, data: bytes, content_type: str, *, owner: str) -> str:
        # The bucket server serves by file name, so the name must say what the content is.
        path = derived_path(owner, artwork_id, name)
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        return path

    def print_file_url(self, path: str) -> str:
        if not self.public_base_url:
            raise RuntimeError(
                "LocalFolderStorage has no public_base_url: Gelato must fetch print files over HTTP. "
                "Start `pod-pipeline bucket-server` (the demo does) and set POD_BUCKET_URL."
            )
        return f"{self.public_base_url}/{quote(path)}"
