"""The property every shared budget must keep, checked on measured start times."""

from __future__ import annotations

from pod_pipeline.ratelimit import Limit


def assert_within_budget(times: list[float], limit: Limit, slack_seconds: float) -> None:
    """In every window [a, b] of the measured times, at most `burst + rate × (b − a)` requests
    started. `slack_seconds` widens each window by how late a caller may have woken after its
    reserved time (scheduling on a loaded machine): that delay can only bunch starts together."""
    times = sorted(times)
    for first in range(len(times)):
        for last in range(first, len(times)):
            started = last - first + 1
            allowed = limit.burst + limit.rate_per_second * (times[last] - times[first] + slack_seconds)
            assert started <= allowed + 1e-9, (
                f"{started} requests in {times[last] - times[first]:.3f} s; the budget allows {allowed:.2f}")
