"""The pipeline's IO manager: Dagster's pickled-file one (same paths, same format), except that
a range of partitions is stored from a {partition: value} dict (batches, `publishing/batch.py`: artworks
stopped in the batch are absent and store nothing) and loading a range logs once instead of
twice per partition.

Why: in a re-pricing range run `prices` loads `variants` for every artwork in the range, and
each of Dagster's per-partition debug lines is an event in the run's event log. Measured at
10,000 artworks on SQLite, those 20,000 log events cost minutes: more than the pricing itself.
"""

from __future__ import annotations

from typing import Any

from dagster import ConfigurableIOManagerFactory, InitResourceContext, InputContext, OutputContext
from pydantic import Field

from pod_pipeline.defs.dagster_private import PickledObjectFilesystemIOManager


class RangeFriendlyPickleIOManager(PickledObjectFilesystemIOManager):
    def handle_output(self, context: OutputContext, obj: Any) -> None:
        if not (context.has_asset_partitions and len(context.asset_partition_keys) > 1):
            return super().handle_output(context, obj)
        if obj is None:
            return
        paths = self._get_paths_for_partitions(context)
        for key, path in paths.items():
            if key in obj:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.dump_to_path(context, obj[key], path)
            else:  # stopped in this run: an older value must not flow downstream
                path.unlink(missing_ok=True)
        context.log.debug(f"stored {len(obj)} of {len(paths)} partitions under {self._base_path}")

    def load_partitions(self, context: InputContext) -> Any:
        keys = context.asset_partition_keys
        if len(keys) == 1:
            return super().load_partitions(context)
        paths = self._get_paths_for_partitions(context)
        allow_missing = bool((context.definition_metadata or {}).get("allow_missing_partitions", False))
        loaded, missing = {}, []
        for key in keys:
            try:
                loaded[key] = self.load_from_path(context, paths[key])
            except FileNotFoundError:
                if not allow_missing:
                    raise
                missing.append(key)
        context.log.info(f"loaded {len(loaded)} partitions of {context.asset_key.to_user_string()} from "
                         f"{self._base_path}; {len(missing)} have no stored value"
                         + (f" (first: {missing[0]})" if missing else ""))
        return loaded


class PodIOManager(ConfigurableIOManagerFactory):
    """Pickled files under `base_dir` (default: the instance's storage folder), as Dagster's own."""

    base_dir: str | None = Field(default=None, description="Folder for stored asset values.")

    def create_io_manager(self, context: InitResourceContext) -> RangeFriendlyPickleIOManager:
        return RangeFriendlyPickleIOManager(base_dir=self.base_dir or context.instance.storage_directory())
