"""The `artworks` asset: one uploaded file, checked and prepared for print."""

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dagster import AssetExecutionContext, BackfillPolicy, Config, Failure, MetadataValue, asset

from pod_pipeline.artwork.inspection import ArtworkRejected, process_artwork
from pod_pipeline.defs.publishing.batch import ArtworkBatch
from pod_pipeline.catalog.rows import ArtworkRow
from pod_pipeline.defs.publishing.checks import PRINT_FILE_CHECK, print_file_check
from pod_pipeline.defs.publishing.run_guard import wait_for_runs_ahead
from pod_pipeline.defs.runs import MAX_BATCH_SIZE, UPLOAD_PATH_TAG, UPLOAD_VERSION_TAG, artworks_partitions
from pod_pipeline.defs.resources import CatalogResource, SettingsResource, StorageResource
from pod_pipeline.storage.base import UploadRefused, content_name, owner_of, path_problem, printable
from pod_pipeline.defs.ui_metadata import thumbnail

# Two at most: a huge upload holds one decoded copy (~550 MiB at 10,000² px, `bench artwork-step`).
IMAGE_THREADS = min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class Artwork:
    artwork_id: str
    path: str
    owner: str
    version: str
    width: int
    height: int
    sha256: str
    print_path: str  # what Gelato fetches: the upload itself, or a normalised copy
    preview_path: str
    preview_jpeg: bytes = field(repr=False)
    dominant_colors: tuple[tuple[int, int, int], ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        return PurePosixPath(self.path).name


def store_print_file(bucket, artwork_id: str, path: str, local: Path, processed) -> str:
    """The bucket path Gelato fetches: always a copy the pipeline wrote (a normalised PNG, or the
    upload's bytes), named and typed for what the content is. Never the upload itself: Storage
    serves an upload with whatever type its client sent (supabase-py and supabase-js send
    text/plain unless told otherwise), and the artist may overwrite it before Gelato fetches it
    hours later. The copy's name changes with its content, so it is the file that was checked."""
    owner = owner_of(path)
    if processed.print_png is not None:
        data, extension = processed.print_png, ".png"
    else:
        data, extension = local.read_bytes(), processed.info.extension
    content_type = "image/png" if extension == ".png" else "image/jpeg"
    return bucket.put_derived(artwork_id, content_name("print", data, extension), data, content_type, owner=owner)


class UploadPaths(Config):
    """Where each artwork of a batch was uploaded: the upload sensor fills this in for a batch.
    Left empty (one artwork, or a run from the UI), the path comes from the run's upload tag or
    the catalog."""

    paths: dict[str, str] = {}


def upload_path_for(context: AssetExecutionContext, config: UploadPaths, catalog, artwork_id: str) -> str:
    """The artwork's upload path, from the run config, the run's tag or the catalog; a path that
    could leave the bucket or has no owner (run config and tags are typed by people) is refused."""
    path = config.paths.get(artwork_id)
    if path is None and len(context.partition_keys) == 1:  # the tag is the run's, so one artwork's
        path = context.run.tags.get(UPLOAD_PATH_TAG)
    if path is None:
        path = getattr(catalog.get_artwork(artwork_id), "path", None)
    if path is None:
        raise Failure(f"artwork {artwork_id} is unknown: it has no upload path tag and no catalog row",
                      allow_retries=False)
    problem = path_problem(path)
    if problem:
        raise Failure(f"{printable(path)} refused: {problem}", metadata={"reason": problem}, allow_retries=False)
    return path


def reject(db, row: ArtworkRow, reason: str, code: str, path: str) -> Failure:
    db.upsert_artwork(row.model_copy(update={"status": "rejected", "reason": reason}))
    return Failure(description=f"{PurePosixPath(path).name} rejected: {reason}",
                   metadata={"reason": reason, "code": code, "path": path}, allow_retries=False)


def examine_upload(context: AssetExecutionContext, artwork_id: str, path: str, bucket, db, rules):
    """One upload, validated and prepared for print (the `Artwork` and what inspection found); a
    rejection raises `Failure` with the reason."""
    upload = bucket.stat(path)
    if upload is None:
        db.set_artwork_status(artwork_id, "rejected", f"{path} is no longer in the bucket")
        raise Failure(f"{path} is no longer in the bucket", allow_retries=False)
    requested = context.run.tags.get(UPLOAD_VERSION_TAG)
    if requested and len(context.partition_keys) == 1 and requested != upload.version:
        context.log.info(f"{path} changed since this run was requested; processing the current version")
    row = ArtworkRow(id=artwork_id, user_id=upload.owner, path=path, version=upload.version,
                     size_bytes=upload.size, status="processing")
    db.upsert_artwork(row)
    if upload.refused:  # a link or a FIFO where a file should be: never read
        raise reject(db, row, upload.refused, "unreadable", path)

    with tempfile.TemporaryDirectory(prefix="pod-artwork-") as tmp:
        try:
            local = bucket.download(path, Path(tmp) / "upload", max_bytes=rules.max_file_bytes)
        except UploadRefused as refused:
            raise reject(db, row, str(refused).split(": ", 1)[-1], "too_large_or_unreadable", path) from None
        try:
            processed = process_artwork(local, rules)
        except ArtworkRejected as rejected:
            raise reject(db, row, rejected.reason, rejected.code, path) from None
        print_path = store_print_file(bucket, artwork_id, path, local, processed)

    info = processed.info
    preview_path = bucket.put_derived(artwork_id, content_name("preview", processed.preview_jpeg, ".jpg"),
                                      processed.preview_jpeg, "image/jpeg", owner=owner_of(path))
    db.upsert_artwork(row.model_copy(update={
        "checksum": info.sha256, "width": info.width, "height": info.height, "format": info.format,
        "preview_path": preview_path, "status": "processing",
    }))
    return Artwork(
        artwork_id=artwork_id, path=path, owner=upload.owner, version=upload.version,
        width=info.width, height=info.height, sha256=info.sha256, print_path=print_path,
        preview_path=preview_path, preview_jpeg=processed.preview_jpeg,
        dominant_colors=tuple(tuple(c) for c in processed.dominant_colors), warnings=tuple(info.warnings),
    ), processed


def artwork_metadata(artwork: Artwork, processed) -> dict:
    info = processed.info
    return {
        "outcome": "ok",
        "preview": thumbnail(processed.preview_jpeg, artwork.file_name),
        "path": artwork.path,
        "width_px": info.width,
        "height_px": info.height,
        "megapixels": round(info.width * info.height / 1e6, 2),
        "size_bytes": info.size_bytes,
        "sha256": info.sha256,
        "format": info.format,
        "normalised_print_file": processed.print_png is not None,
        "warnings": MetadataValue.md("\n".join(f"- {w}" for w in info.warnings) or "none"),
    }


@asset(partitions_def=artworks_partitions, group_name="artwork", kinds={"python", "image"}, code_version="1",
       backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=MAX_BATCH_SIZE),
       check_specs=[PRINT_FILE_CHECK])
def artworks(context: AssetExecutionContext, config: UploadPaths, storage: StorageResource,
             catalog: CatalogResource, settings: SettingsResource):
    """An uploaded artwork, validated as a print file.

    Reads the file from the bucket, recognises its format by content (not by extension), reads
    its dimensions from the header and refuses decompression bombs before decoding, then decodes
    it once to catch truncated or corrupt data. CMYK, 16-bit, palette and EXIF-rotated files get
    a normalised sRGB print file so Gelato prints what the artist sees. Records checksum, size
    and a web preview. A rejected file stops here with a reason the seller can read; in a batch
    the other artworks go on. Then the print file is fetched as Gelato will fetch it
    (`print_file_is_reachable`): an artwork that fails it stops too."""
    wait_for_runs_ahead(context)  # a run launched by hand over an artwork a batch is publishing
    bucket, db, rules = storage.open(), catalog.open(), settings.load().print
    batch = ArtworkBatch(context, "artworks")

    def examine(artwork_id: str) -> None:
        def work():
            path = upload_path_for(context, config, db, artwork_id)
            try:
                artwork, processed = examine_upload(context, artwork_id, path, bucket, db, rules)
            except Failure:
                raise
            except Exception as error:
                # One upload's storage or file error is that artwork's alone: in a batch the
                # others go on (transient storage errors were already retried by the client).
                if batch.single:
                    raise  # the step's retry policy and failure hook, as for any one-artwork run
                reason = f"the upload could not be read: {type(error).__name__}: {error}"[:500]
                db.set_artwork_status(artwork_id, "failed", reason)
                raise Failure(f"{printable(path)}: {reason}", allow_retries=False) from None
            batch.note(artwork_id, artwork_metadata(artwork, processed))
            return artwork
        batch.run(artwork_id, work)

    # Pillow releases the GIL while it decodes, resizes and encodes: a batch uses every core.
    with ThreadPoolExecutor(max_workers=IMAGE_THREADS, thread_name_prefix="artwork") as pool:
        list(pool.map(examine, batch.keys))
        check, unreachable = print_file_check(batch.done, bucket, pool.map)
    batch.hold_back(check, unreachable, lambda key, reason: db.set_artwork_status(key, "failed", reason))
    yield from batch.results(check)
