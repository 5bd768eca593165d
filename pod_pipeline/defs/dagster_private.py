"""Every private Dagster API the pipeline leans on, fenced here so an upgrade breaks in one
place, loudly: `pod_pipeline_tests/defs/test_dagster_private.py` checks each one's behaviour.

* The range-run tags: a run tagged with the first and last partition materializes that range
  (the upload sensor's batches; the failure hook reads them back). Public only as strings.
* Dagster's pickled-file IO manager, subclassed to store a range from a {partition: value} dict
  (`io_manager.py`): its path helpers and dump/load are not public.
* The step's metadata accumulator: `add_asset_metadata(partition_key=…)` lists every partition
  of the asset on each call (57 ms at 20,000 artworks: seconds per batch), so a batch's
  per-partition metadata goes straight to the accumulator for keys of the step's own range.
* `sensor_resources`: the resources a sensor needs, transitively, as the daemon's code server
  builds them for each tick (`tools/sensor_driver.py` ticks sensors as the daemon does).
* `InstigatorType`: an instance's recorded sensor ticks are read per instigator state, filtered
  by type (the demo's summary line); the enum is not exported.
"""

from __future__ import annotations

from typing import Any, Mapping

from dagster import AssetExecutionContext
from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus
from dagster._core.execution.context.metadata_logging import AssetMetadataHandle
from dagster._core.execution.resources_init import get_transitive_required_resource_keys
from dagster._core.scheduler.instigation import InstigatorType
from dagster._core.storage.fs_io_manager import PickledObjectFilesystemIOManager
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

__all__ = ["ASSET_PARTITION_RANGE_END_TAG", "ASSET_PARTITION_RANGE_START_TAG", "BulkActionStatus",
           "BulkActionsFilter", "InstigatorType",
           "PickledObjectFilesystemIOManager", "add_partition_metadata", "add_partitions_metadata",
           "sensor_resources"]


def sensor_resources(defs, sensor) -> dict:
    """Only the resources `sensor` needs (and theirs): what the daemon's code server builds for
    each of its ticks (`dagster._grpc.impl`), not every resource of the code location."""
    every = defs.get_repository_def().get_top_level_resources()
    needed = get_transitive_required_resource_keys(sensor.required_resource_keys, every)
    return {key: value for key, value in every.items() if key in needed}


def add_partition_metadata(context: AssetExecutionContext, partition_key: str, metadata: Mapping[str, Any]) -> None:
    """Metadata for one partition of the step's own range, without Dagster's per-call listing
    of every partition. The caller guarantees `partition_key` is in the step's range."""
    add_partitions_metadata(context, {partition_key: metadata})


def add_partitions_metadata(context: AssetExecutionContext, by_partition: Mapping[str, Mapping[str, Any]]) -> None:
    """`add_partition_metadata` for many partitions at once: one copy of the accumulator, not
    one per partition (each add copies it whole: 10,000 artworks would cost 10,000 copies)."""
    step = context.get_step_execution_context()
    accumulator = step._metadata_accumulator  # noqa: SLF001
    merged = dict(accumulator.per_output_metadata)
    for key, metadata in by_partition.items():
        handle = AssetMetadataHandle(asset_key=context.asset_key, partition_key=key)
        merged[handle] = {**merged.get(handle, {}), **metadata}
    step._metadata_accumulator = type(accumulator)(per_output_metadata=merged)  # noqa: SLF001
