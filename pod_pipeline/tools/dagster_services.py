"""Dagster's own long-running processes on an instance folder: the webserver (what a person
browses) and the daemon (what ticks sensors and schedules, dequeues and launches runs, watches
them). The demo, the screenshots and the tests start them as an operator would, from the
repository's workspace, and stop them cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Mapping

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = REPO_ROOT / "workspace.yaml"
STOP_SECONDS = 30.0


def _executable(name: str) -> str:
    # The scripts beside this Python: a venv that is not activated has none of them on PATH.
    return str(Path(sys.executable).with_name(name))


# Notices Dagster prints about our own definitions, each time a process loads them.
QUIET_DEV_WARNINGS = (
    "Parameter `backfill_policy` of function `asset` is currently in beta",
    "Asset job publish_artwork materializes assets with varying BackfillPolicies",
    "Function `dev_command` is superseded",  # `dg dev` needs the dg CLI, a development dependency
)


def dev_child_environment(base: Mapping[str, str], demo: Mapping[str, str]) -> dict[str, str]:
    """The environment a Dagster service runs with under `pod-pipeline dev` and the demo. A quiet
    console: Dagster's beta/preview notices about our own definitions are not the operator's to
    act on (by message: at interpreter start-up PYTHONWARNINGS cannot name Dagster's classes).
    And it runs in the instance folder, so a settings path given relative to here is made absolute."""
    quiet = ",".join(f"ignore:{message}" for message in QUIET_DEV_WARNINGS)
    child = {**base, **demo, "PYTHONWARNINGS": ",".join(filter(None, [base.get("PYTHONWARNINGS"), quiet]))}
    if child.get("POD_SETTINGS"):
        child["POD_SETTINGS"] = str(Path(child["POD_SETTINGS"]).resolve())
    return child


def default_stop_signals() -> None:
    """In a child about to exec: SIGINT and SIGTERM stop it, whatever its parent ignored. (A
    parent started in the background ignores SIGINT; Dagster copies SIGINT's disposition to
    SIGTERM, so the child would ignore the SIGTERM meant to stop it.)"""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def _service(command: list[str], env: Mapping[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """`command` in the instance folder (the repository's dagster.yaml stays out of it), its
    output in `log_path`, in its own process group so its children (code servers, runs) stop
    with it."""
    with open(log_path, "a") as log:
        process = subprocess.Popen(command, env={**os.environ, **env}, cwd=env["DAGSTER_HOME"], stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   preexec_fn=default_stop_signals)
    try:
        yield process
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen, timeout_seconds: float = STOP_SECONDS) -> None:
    """SIGTERM to the process group, then SIGKILL to whatever is left after the timeout."""
    for sig, wait_seconds in ((signal.SIGTERM, timeout_seconds), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait_seconds)
            break
        except subprocess.TimeoutExpired:
            continue
    try:  # children that outlived the leader (a run mid-write) go too
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def wait_for(condition: Callable[[], bool], process: subprocess.Popen, log_path: Path, timeout_seconds: float,
             what: str, pause_seconds: float = 0.5) -> None:
    """Until `condition()`; fails at once if the service exits, and after the timeout."""
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        if process.poll() is not None:
            raise RuntimeError(f"{Path(process.args[0]).name} exited while waiting for {what}:\n"
                               f"{log_path.read_text(errors='replace')[-3000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_seconds:.0f} s for {what} (log: {log_path})")
        time.sleep(pause_seconds)


def active_runs(instance) -> int:
    """Runs queued, starting, running or cancelling on `instance`."""
    from dagster import RunsFilter

    from pod_pipeline.defs.runs import IN_FLIGHT

    return instance.get_runs_count(RunsFilter(statuses=IN_FLIGHT))


def sensor_ticks(instance) -> int:
    """Every sensor tick the instance has recorded."""
    from pod_pipeline.defs.dagster_private import InstigatorType

    return sum(len(instance.get_ticks(state.instigator_origin_id, state.selector_id))
               for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR))


def launch_job(job_name: str, env: Mapping[str, str], timeout_seconds: float = 120) -> None:
    """`dagster job launch`: the run goes through the instance's queue and launcher, as one
    launched from the UI would."""
    done = subprocess.run([_executable("dagster"), "job", "launch", "-w", str(WORKSPACE), "-j", job_name],
                          env={**os.environ, **env}, cwd=env["DAGSTER_HOME"], capture_output=True, text=True,
                          timeout=timeout_seconds)
    if done.returncode != 0:
        raise RuntimeError(f"dagster job launch -j {job_name} failed:\n{done.stderr[-3000:]}")


@contextmanager
def webserver(env: Mapping[str, str], port: int, log_path: Path, timeout_seconds: float = 120) -> Iterator[str]:
    """`dagster-webserver` on the repository's workspace with `env` (a demo's DAGSTER_HOME,
    catalog and bucket); yields its base URL once it answers."""
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{base}/server_info", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    command = [_executable("dagster-webserver"), "-w", str(WORKSPACE), "-h", "127.0.0.1", "-p", str(port)]
    with _service(command, env, log_path) as server:
        wait_for(answers, server, log_path, timeout_seconds, "answer from dagster-webserver")
        yield base


@contextmanager
def daemon(env: Mapping[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """`dagster-daemon run` on the repository's workspace with `env`: sensors tick on their own
    intervals, the run queue applies the instance's limits, runs are launched in their own
    processes and monitored, ticks and runs are recorded as in production."""
    command = [_executable("dagster-daemon"), "run", "-w", str(WORKSPACE), "--log-level", "warning",
               "--code-server-log-level", "warning"]
    with _service(command, env, log_path) as process:
        yield process


@contextmanager
def celery_worker(env: Mapping[str, str], worker_yaml: Path, queue: str, name: str,
                  log_path: Path) -> Iterator[subprocess.Popen]:
    """`dagster-celery worker start` on `queue`, as deploy/celery documents it: a long-lived
    worker whose pool processes execute the runs the Celery run launcher queues. It opens the
    instance of `env`'s DAGSTER_HOME and runs `celery` from beside this Python."""
    command = [_executable("dagster-celery"), "worker", "start", "-A", "dagster_celery.app", "-y", str(worker_yaml),
               "-q", queue, "-n", f"{name}@%h", "-l", "WARNING"]
    path = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.environ.get("PATH", ""))])
    with _service(command, {**env, "PATH": path}, log_path) as process:
        yield process
