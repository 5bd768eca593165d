"""How work is cut into runs: the artworks partition, the tags runs carry, the pools that bound
API concurrency, and how many artworks one run takes.

One partition per uploaded artwork. Variants are rows inside it, never a partition dimension:
tens of thousands of artworks × dozens of variants would break Dagster's partition limits."""

from dataclasses import dataclass

from dagster import AssetSelection, DagsterRunStatus, DynamicPartitionsDefinition, define_asset_job, in_process_executor

from pod_pipeline.observability import RUN_LOGGER_CONFIG, report_step_failure

artworks_partitions = DynamicPartitionsDefinition(name="artworks")

MODE_TAG = "pod/mode"
BUCKET_TAG = "pod/bucket"
CATALOG_TAG = "pod/catalog"
# A run in any of these holds its artworks (and counts toward the run queue's limits).
IN_FLIGHT = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
             DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


@dataclass(frozen=True)
class RunMode:
    """The environment a code location was built for, as its runs show it: the mode, and the
    bucket and catalog database it writes to (`environment.bucket_and_database`: host and name,
    never a credential). Jobs and sensors are built (and cached) per RunMode, so two
    environments in one process get jobs of their own."""

    name: str
    bucket: str = ""
    catalog: str = ""


def mode_tags(mode: RunMode) -> dict[str, str]:
    """On every run in the UI, so nobody mistakes a sandbox run for a real one, or a staging run
    for production's: mode, bucket and catalog database. Taken from the environment the
    definitions were built for (`build_definitions(env)`), never the process's own."""
    tags = {MODE_TAG: mode.name}
    if mode.bucket:
        tags[BUCKET_TAG] = mode.bucket
    if mode.catalog:
        tags[CATALOG_TAG] = mode.catalog
    return tags


def sensor_interval_seconds(mode: RunMode) -> int:
    """How often the upload and status sensors tick. 15 s against Gelato; in demo mode, whose
    sandbox answers at once, 5 s (the daemon's shortest loop), so a walkthrough is short."""
    return 5 if mode.name == "demo" else 15


def pipeline_job(name: str, selection: AssetSelection, mode: RunMode, description: str, hooks=frozenset()):
    """A job as every job of the pipeline is: in-process (the work is API-bound, a process per
    step would cost more than the step), the run logger by default, failed steps reported to
    Sentry, the mode on every run."""
    return define_asset_job(name=name, selection=selection, executor_def=in_process_executor,
                            hooks={report_step_failure, *hooks}, config=RUN_LOGGER_CONFIG, tags=mode_tags(mode),
                            description=description)

# Run tags the upload sensor sets; `artworks` falls back to the catalog when re-run from the UI.
UPLOAD_PATH_TAG = "pod/upload_path"
UPLOAD_VERSION_TAG = "pod/upload_version"
# One run at a time per value (dagster.yaml's tag_concurrency_limits): a batch's value, which a
# re-upload of one of its artworks takes too while the batch is queued or running.
ARTWORK_LOCK_TAG = "pod/artwork_lock"
GELATO_POOL = "gelato_api"
ANTHROPIC_POOL = "anthropic_api"  # the copywriter's Claude calls (the offline copywriter makes none)
STOREFRONT_POOL = "storefront_api"  # price pushes to Shopify / Etsy

# Re-pricing: artworks per range run (the `prices` backfill policy and the re-pricing sensor agree
# on it), and the run tag that makes a re-pricing report without writing.
REPRICE_RUN_SIZE = 10_000
DRY_RUN_TAG = "pod/dry_run"
REPRICE_TAG = "pod/reprice"

# Publishing: artworks per batch (a range run over new partitions, `publishing/batch.py`). The per-artwork
# assets' backfill policy allows this many per run; the upload sensor makes batches of at most
# POD_BATCH_SIZE (default 25: two batches of a 50-upload tick run side by side).
MAX_BATCH_SIZE = 100
