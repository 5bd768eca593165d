"""CPU seconds each process of a benchmark spent while its clock ran, from /proc (Linux).

On a small machine the pipeline and its floors are bound by CPU as much as by Gelato's latency,
so the bench sets the CPU each side burned beside its wall time: the part of the pipeline's
extra time that is orchestration's own work (Dagster's bookkeeping, the sensors' ticks) rather
than waiting."""

from __future__ import annotations

import os
from collections.abc import Mapping

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of the process (every thread); None once it is gone or off Linux."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14, 15 of stat(5))


class CpuMeter:
    """`start` with named groups of processes, `stop` for each group's CPU seconds in between. A
    process gone before `stop` counts nothing (its last figure is not kept): the bench's run
    workers, sandbox and own process all live until after its clock stops."""

    def __init__(self, groups: Mapping[str, list[int]]):
        self.groups = {name: list(pids) for name, pids in groups.items()}
        self.started: dict[int, float] = {}

    def start(self) -> "CpuMeter":
        self.started = {pid: cpu_seconds(pid) or 0.0 for pids in self.groups.values() for pid in pids}
        return self

    def stop(self) -> dict[str, float]:
        spent = {}
        for name, pids in self.groups.items():
            now = {pid: cpu_seconds(pid) for pid in pids}
            spent[name] = round(sum((now[pid] or self.started[pid]) - self.started[pid] for pid in pids), 2)
        return spent
