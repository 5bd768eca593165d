"""A local folder laid out like the Supabase bucket: `<root>/<owner>/<file>`.

New uploads are found by a keyset cursor over (arrival time, path), the same shape as the
production query over `storage.objects(updated_at, id)`. Files are served to Gelato by the
bundled file server (`pod_pipeline.storage.file_server`) at `public_base_url`.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from pod_pipeline.storage.base import ArtworkStorage, Upload, derived_path, is_derived, owner_of


def _arrival_ns(stat: os.stat_result) -> int:
    # ctime moves on create/rename/copy, so a file copied in with an old preserved mtime still
    # counts as new.
    return max(stat.st_mtime_ns, stat.st_ctime_ns)


def _encode_cursor(arrival_ns: int, path: str) -> str:
    return f"{arrival_ns}|{path}"


def _decode_cursor(cursor: str | None) -> tuple[int, str]:
    if not cursor:
        return (-1, "")
    arrival, _, path = cursor.partition("|")
    return (int(arrival), path)


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
        )

    def scan(self, cursor: str | None, limit: int) -> tuple[list[Upload], str | None]:
        after = _decode_cursor(cursor)
        found: list[tuple[int, str, os.stat_result]] = []
        if self.root.is_dir():
            for dirpath, dirnames, filenames in os.walk(self.root):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for name in filenames:
                    if name.startswith("."):
                        continue  # hidden and in-flight temp files
                    full = Path(dirpath, name)
                    rel = full.relative_to(self.root).as_posix()
                    if is_derived(rel):
                        continue
                    try:
                        stat = full.stat()
                    except FileNotFoundError:
                        continue
                    if (_arrival_ns(stat), rel) > after:
                        found.append((_arrival_ns(stat), rel, stat))
        found.sort(key=lambda item: (item[0], item[1]))
        page = found[:limit]
        new_cursor = _encode_cursor(page[-1][0], page[-1][1]) if page else cursor
        return [self._upload(rel, stat) for _, rel, stat in page], new_cursor

    def stat(self, path: str) -> Upload | None:
        try:
            return self._upload(path, (self.root / path).stat())
        except FileNotFoundError:
            return None

    def download(self, path: str, dest: Path) -> Path:
        shutil.copyfile(self.root / path, dest)
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
