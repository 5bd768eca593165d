"""The dagster.yaml for an embedded (SQLite) instance, as the demo and `dev` commands write it."""

from __future__ import annotations

from pathlib import Path

EMBEDDED_DAGSTER_YAML = """\
# The development Dagster instance: SQLite in DAGSTER_HOME (a temporary folder when it is unset),
# with production's pools and limits, so `dagster dev`, `dg dev` and `dg check defs` work from the
# repository root with nothing configured. `pod-pipeline demo` and `dev` write this same text into
# their own instance folders (pod_pipeline/tools/instance_config.py; a test keeps the repository's
# top-level dagster.yaml equal to it). Production, on Postgres: deploy/postgres/dagster.yaml.
concurrency:
  pools:
    # Every pool without an explicit limit (e.g. gelato_api) runs at most this many steps at once.
    default_limit: 4
  runs:
    max_concurrent_runs: 4
    tag_concurrency_limits:
      # Never two runs on the same artwork at once (a second line of defence for exactly-once).
      - key: dagster/partition
        value:
          applyLimitPerUniqueValue: true
        limit: 1
      # ... nor a batch and a re-upload of one of its artworks: the upload sensor gives the
      # re-upload's run the batch's lock (a range run has no `dagster/partition` tag).
      - key: pod/artwork_lock
        value:
          applyLimitPerUniqueValue: true
        limit: 1
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    # A developer who drops an artwork sees its run start within a second, not five.
    dequeue_interval_seconds: 1
run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 30
telemetry:
  enabled: false
"""


def write_embedded_instance(home: Path, postgres_url: str | None = None) -> Path:
    """SQLite in `home`; with `postgres_url`, Dagster's storage on that database instead (as in
    production), everything else the same."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    text = EMBEDDED_DAGSTER_YAML
    if postgres_url:
        text += f"storage:\n  postgres:\n    postgres_url: {postgres_url}\n"
    path.write_text(text, encoding="utf-8")
    return path
