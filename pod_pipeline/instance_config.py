"""The dagster.yaml for an embedded (SQLite) instance, as the demo and `dev` commands write it."""

from __future__ import annotations

from pathlib import Path

EMBEDDED_DAGSTER_YAML = """\
# Written by pod-pipeline: an embedded Dagster instance on SQLite in this folder.
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
        text = text.replace("an embedded Dagster instance on SQLite in this folder.",
                            "a Dagster instance on Postgres.") + f"storage:\n  postgres:\n    postgres_url: {postgres_url}\n"
    path.write_text(text, encoding="utf-8")
    return path
