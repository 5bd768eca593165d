"""What the Celery soak does to the deployment while it publishes: SIGKILL the process executing
a publishing run in the middle of a create (`Killer`), and upload an artwork again while its
batch is running (`Reupload`). Both read the Dagster instance the way an operator's tooling would."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from pod_pipeline.defs.publishing.upload_sensor import batch_paths

PUBLISHING_STEP = "published_products"
RETRY_NUMBER_TAG = "dagster/retry_number"


def run_pid(instance, run_id: str, step_key: str) -> int | None:
    """The pid of the process executing `step_key` of the run, once the step has started."""
    from dagster import DagsterEventType

    for entry in instance.all_logs(run_id, of_type=DagsterEventType.STEP_START):
        if entry.dagster_event.step_key == step_key:
            return entry.dagster_event.pid
    return None


def step_done(instance, run_id: str, step_key: str) -> bool:
    from dagster import DagsterEventType

    return any(entry.dagster_event.step_key == step_key
               for entry in instance.all_logs(run_id, of_type=DagsterEventType.STEP_SUCCESS))


def is_celery_process(pid: int) -> bool:
    try:
        return b"celery" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


class Reupload:
    """Once the first batch has read its files, its first artwork is uploaded again with new pixels
    (the artist replaced it): the new version's run must wait in the queue until the batch has ended.

    Gelato is slowed (`SLOW_SECONDS` a call) from the re-upload until the upload sensor has made the
    new version's run, so the batch is still publishing when the sensor sees it, however fast the
    machine: otherwise a quick batch can end before the next tick and the lock is never exercised."""

    SLOW_SECONDS = 3.0

    def __init__(self, sandbox=None):
        self.artwork_id = self.batch_run = self.path = None
        self.sandbox, self.normal_latency = sandbox, None

    def tick(self, instance, bucket: Path) -> None:
        from dagster import DagsterRunStatus, RunsFilter
        from PIL import Image, ImageOps

        from pod_pipeline.defs.runs import ARTWORK_LOCK_TAG

        if self.batch_run:
            if self.normal_latency is not None and (
                    instance.get_runs_count(RunsFilter(tags={"dagster/partition": self.artwork_id}))
                    or instance.get_run_by_id(self.batch_run).is_finished):
                self.sandbox.set_faults(latency_seconds=self.normal_latency)
                self.normal_latency = None
            return
        for run in instance.get_runs(RunsFilter(job_name="publish_artwork", statuses=[DagsterRunStatus.STARTED])):
            # After the batch has read the file (before, it would simply publish the new bytes).
            if ARTWORK_LOCK_TAG in run.tags and RETRY_NUMBER_TAG not in run.tags \
                    and step_done(instance, run.run_id, "artworks"):
                self.artwork_id, self.path = next(iter(batch_paths(run).items()))
                self.batch_run = run.run_id
                target = bucket / self.path
                with Image.open(target) as image:
                    redrawn = ImageOps.mirror(image.convert("RGB"))
                aside = target.with_name(f".{target.name}.uploading")
                redrawn.save(aside, format=image.format or "PNG")
                aside.replace(target)
                if self.sandbox is not None:
                    self.normal_latency = self.sandbox.state.faults.knobs.latency_seconds
                    self.sandbox.set_faults(latency_seconds=self.SLOW_SECONDS)
                return

    def involves(self, run) -> bool:
        return bool(self.batch_run) and (run.run_id == self.batch_run
                                         or run.tags.get("dagster/partition") == self.artwork_id)

    def done(self, instance) -> bool:
        """No re-upload yet, or its own run has ended."""
        from dagster import DagsterRunStatus, RunsFilter

        if not self.artwork_id:
            return True
        ended = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]
        return bool(instance.get_runs_count(RunsFilter(tags={"dagster/partition": self.artwork_id}, statuses=ended)))

    def report(self, instance) -> dict:
        from dagster import RunsFilter

        from pod_pipeline.defs.runs import ARTWORK_LOCK_TAG

        if not self.batch_run:
            return {"artwork": None}
        batch = instance.get_run_record_by_id(self.batch_run)
        own = instance.get_run_records(RunsFilter(tags={"dagster/partition": self.artwork_id}), ascending=True)
        first = own[0] if own else None
        return {
            "artwork": self.artwork_id, "batch_run": self.batch_run,
            "reupload_run": first.dagster_run.run_id if first else None,
            "shared_the_batch_lock": bool(first) and first.dagster_run.tags.get(ARTWORK_LOCK_TAG)
            == batch.dagster_run.tags[ARTWORK_LOCK_TAG],
            "started_after_the_batch_ended": bool(first and first.start_time and batch.end_time
                                                  and first.start_time >= batch.end_time),
            "reupload_run_status": first.dagster_run.status.value if first else None,
        }


class Killer:
    """SIGKILLs the process of up to `kills` first-attempt publishing runs, each at a random
    point of a create: after the claim is recorded, before or after the POST, before the
    product's id is stored."""

    def __init__(self, kills: int, seed: int, catalog, spare: Reupload):
        self.left, self.rng, self.catalog, self.spare = kills, random.Random(seed), catalog, spare
        self.killed: list[str] = []

    def tick(self, instance) -> None:
        from dagster import DagsterRunStatus, RunsFilter

        if self.left <= 0:
            return
        for run in instance.get_runs(RunsFilter(job_name="publish_artwork", statuses=[DagsterRunStatus.STARTED])):
            if run.run_id in self.killed or RETRY_NUMBER_TAG in run.tags or self.spare.involves(run):
                continue  # one kill per run lineage (max_retries bounds how often one may crash); the
                # re-upload's batch and run are spared, so their order is what the soak reports
            pid = run_pid(instance, run.run_id, PUBLISHING_STEP)
            if pid is None or not is_celery_process(pid) or not self._creating(run):
                continue
            time.sleep(self.rng.uniform(0.0, 0.3))  # claim → POST (latency) → id recorded
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue  # the run ended first
            self.killed.append(run.run_id)
            self.left -= 1
            return

    def _creating(self, run) -> bool:
        return any(p.status == "creating" for artwork in batch_paths(run) or [run.tags.get("dagster/partition")]
                   for p in self.catalog.products_for(artwork))
