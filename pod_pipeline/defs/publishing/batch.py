"""Many artworks in one run, each on its own.

A Dagster run costs about a second of bookkeeping and process start before any work, so a bulk
upload of hundreds of artworks is published in *batches*: range runs over the new partitions
(see `upload_sensor.py`). Inside a batch every per-artwork asset works artwork by artwork: an
artwork that is rejected, fails a check or fails in Gelato stops alone, with its status and
reason in the catalog and an `outcome` on its own partition's materialization, and the others
go on. A step fails only when none of its artworks can go on, so a one-artwork run (a re-upload,
a re-run from the UI) fails exactly as it always has.

Dagster records a materialization for every partition of a range step; for a stopped artwork
that event carries `outcome: stopped` and the reason, and no value is stored, so the assets
downstream skip it (their inputs allow missing partitions).
"""

import threading
from typing import Any, Callable

from dagster import AssetCheckResult, AssetExecutionContext, AssetObservation, Failure, Output

from pod_pipeline.defs.dagster_private import add_partition_metadata
from pod_pipeline.observability.context import log_context

STOPPED = "stopped"
UPSTREAM_REASON = "stopped upstream (see the artwork's status)"


def by_artwork(context: AssetExecutionContext, value: Any) -> dict[str, Any]:
    """A per-artwork input as {artwork: value}: the IO manager hands one value for one partition
    and a dict for a range (stopped artworks absent)."""
    if len(context.partition_keys) == 1 and not isinstance(value, dict):
        return {} if value is None else {context.partition_keys[0]: value}
    return dict(value or {})


class ArtworkBatch:
    """Runs one asset's work for each artwork of the step, isolating the artworks' failures."""

    def __init__(self, context: AssetExecutionContext, asset_label: str):
        self.context = context
        self.asset_label = asset_label
        self.keys = list(context.partition_keys)
        self.done: dict[str, Any] = {}
        self.stopped: dict[str, Failure] = {}
        # Dagster's metadata accumulator is copied and reassigned on each add: threads take turns.
        self._metadata_lock = threading.Lock()

    @property
    def single(self) -> bool:
        return len(self.keys) == 1

    def run(self, key: str, work: Callable[[], Any]) -> None:
        """`work()` for one artwork. A `Failure` stops this artwork only (the asset has already
        recorded why in the catalog); any other error is the step's (retry policy, failure hook)."""
        with log_context(artwork_id=key):
            try:
                self.done[key] = work()
            except Failure as stop:
                self.stop(key, stop)

    def stop(self, key: str, failure: Failure) -> None:
        self.done.pop(key, None)
        self.stopped[key] = failure
        if not self.single:
            with log_context(artwork_id=key):
                self.context.log.warning(f"{key}: {failure.description}")

    def note(self, key: str, metadata: dict) -> None:
        """Metadata for one artwork's partition (in a one-artwork run: the materialization's)."""
        with self._metadata_lock:
            if self.single:
                self.context.add_asset_metadata(metadata)
                return
            # Our keys come from the step's own range: no need for Dagster's per-call check.
            add_partition_metadata(self.context, key, metadata)

    def skipped_upstream(self, present: dict[str, Any]) -> None:
        """Artworks of the range that an upstream asset stopped: marked, not worked on."""
        for key in self.keys:
            if key not in present and key not in self.done and key not in self.stopped:
                self.note(key, {"outcome": STOPPED, "reason": UPSTREAM_REASON})

    def output(self) -> Any:
        """The value to return: one artwork's value, or {artwork: value} for a range. Raises when
        no artwork can go on: the original Failure for one artwork, a summary for a range."""
        for key, failure in self.stopped.items():
            if not self.single:
                self.note(key, {"outcome": STOPPED, "reason": failure.description or "stopped"})
        if not self.done:
            if self.single and self.stopped:
                raise self.stopped[self.keys[0]]
            reasons = "; ".join(f"{key}: {failure.description}" for key, failure in list(self.stopped.items())[:5])
            raise Failure(f"{self.asset_label}: no artwork of this run can go on ({len(self.stopped)} stopped"
                          f"{', e.g. ' + reasons if reasons else ''})", allow_retries=False)
        if self.single:
            return self.done[self.keys[0]]
        return dict(self.done)

    def hold_back(self, check: AssetCheckResult, failing: dict[str, str], record: Callable[[str, str], None]) -> None:
        """Stop the artworks a check failed: the per-artwork gate (see `checks.py`)."""
        for key, problems in failing.items():
            reason = f"check {check.check_name or ''} failed: {problems}".replace("check  ", "check ")
            record(key, reason)
            self.stop(key, Failure(reason, allow_retries=False))

    def results(self, *checks: AssetCheckResult, metadata: dict | None = None):
        """What the asset yields: its output, then its checks. `metadata` is the run's figures:
        the materialization's own in a one-artwork run; in a range, one observation of the
        asset (Dagster would copy output metadata onto every artwork's partition, each then
        showing the batch's totals as its own). When no artwork can go on, the failed checks (if
        any) and then the step's failure."""
        if not self.done:
            yield from (check for check in checks if not check.passed)
            self.output()
        if metadata and not self.single:
            self.context.log_event(AssetObservation(asset_key=self.context.asset_key, metadata={
                **metadata, "artworks": len(self.keys), "range": f"{self.keys[0]} .. {self.keys[-1]}"}))
            metadata = None
        yield Output(self.output(), metadata=metadata)
        yield from checks
