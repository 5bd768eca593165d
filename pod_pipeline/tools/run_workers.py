"""Long-lived run workers: a few processes that load the code location once and then execute
the runs handed to them, side by side.

This is the shape of Dagster's Celery option for many short runs (a worker takes whole runs, no
process start per run), and what `bench publish` uses so that batches overlap as they would
under the daemon: one batch's images are examined while another's creates wait on Gelato.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
import warnings
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Mapping

_definitions = None
_instance = None


def _start_worker(env: dict[str, str], dagster_home: str) -> None:
    global _definitions, _instance
    # A launcher that ignores SIGINT hands Dagster's copy of it on SIGTERM to every spawned
    # process; a worker must stay stoppable.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    warnings.filterwarnings("ignore")
    logging.getLogger("dagster").setLevel(logging.ERROR)
    os.environ.update(env)
    from dagster import DagsterInstance

    from pod_pipeline.definitions import build_definitions

    _definitions = build_definitions(env)
    _instance = DagsterInstance.from_config(dagster_home)


def _ready(_: int) -> bool:
    import time

    time.sleep(0.2)  # long enough that every worker takes one
    return _definitions is not None


def _execute(job_name: str, partition_key: str | None, tags: dict[str, str], run_config: dict) -> bool:
    job = _definitions.resolve_job_def(job_name)
    result = job.execute_in_process(instance=_instance, partition_key=partition_key, tags=tags,
                                    run_config=run_config, raise_on_error=False)
    return result.success


class RunWorkers:
    """`processes` workers for one code location (`env`) and one Dagster instance."""

    def __init__(self, env: Mapping[str, str], dagster_home: str, processes: int = 2):
        self.pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_worker, initargs=(dict(env), str(dagster_home)))
        self.pending: list[Future] = []

    def submit(self, job_name: str, partition_key: str | None, tags: dict[str, str], run_config: dict[str, Any]) -> None:
        self.pending.append(self.pool.submit(_execute, job_name, partition_key, tags, run_config))

    def warm(self) -> None:
        """Start every worker (each loads the code location once), as a deployment's are."""
        processes = self.pool._max_workers
        if not all(self.pool.map(_ready, range(processes))):
            raise RuntimeError("a run worker did not load the code location")

    def wait(self, timeout_seconds: float = 3600.0, poll_seconds: float = 0.1) -> None:
        deadline = time.monotonic() + timeout_seconds
        while self.busy:
            if time.monotonic() > deadline:
                raise TimeoutError(f"runs still executing after {timeout_seconds:.0f} s")
            time.sleep(poll_seconds)

    @property
    def pids(self) -> list[int]:
        """The worker processes (started by `warm`); the executor keeps them by pid."""
        return list(self.pool._processes or {})

    @property
    def busy(self) -> bool:
        return any(not future.done() for future in self.pending)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for future in self.pending:
            future.result()  # a worker that crashed raises here instead of vanishing

    def __enter__(self) -> "RunWorkers":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
