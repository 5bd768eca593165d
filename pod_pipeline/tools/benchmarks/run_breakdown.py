"""Where a benchmark's publishing runs spent their time, from the Dagster instance's own records:
queued and launching (run created → run started), each step's work by asset, the time between
steps (the run's bookkeeping, a step waiting for its pool's slot), and ending (last step → run end).

Seconds are summed over runs (runs overlap, so the sum exceeds the wall time); `share` is each
part's fraction of all run time, which is what tells orchestration from work."""

from __future__ import annotations

from collections import defaultdict


def run_breakdown(instance, job_name: str = "publish_artwork") -> dict:
    from dagster import RunsFilter

    parts: dict[str, float] = defaultdict(float)
    runs = instance.get_run_records(RunsFilter(job_name=job_name))
    for record in runs:
        if record.start_time is None or record.end_time is None:
            continue
        parts["queued and launching"] += max(0.0, record.start_time - record.create_timestamp.timestamp())
        steps = [s for s in instance.get_run_step_stats(record.dagster_run.run_id)
                 if s.start_time is not None and s.end_time is not None]
        inside = 0.0
        for step in steps:
            seconds = step.end_time - step.start_time
            parts[f"step {step.step_key}"] += seconds
            inside += seconds
        last_step_end = max((s.end_time for s in steps), default=record.start_time)
        parts["between steps (bookkeeping, pool slots)"] += max(0.0, last_step_end - record.start_time - inside)
        parts["ending"] += max(0.0, record.end_time - last_step_end)
    total = sum(parts.values()) or 1.0
    return {
        "runs": len(runs),
        "run_seconds": round(total, 2),
        "parts": {name: {"seconds": round(seconds, 2), "share": round(seconds / total, 3)}
                  for name, seconds in sorted(parts.items(), key=lambda item: -item[1])},
    }
