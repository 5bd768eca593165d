"""`pod-pipeline dev` started in the background stops on SIGTERM within seconds (issue 15, item
9): a background launch (`&`, nohup, some CI runners and supervisors) hands it an ignored SIGINT,
and dagster dev copies SIGINT's disposition to SIGTERM, so its `dagster dev` child ignored the
SIGTERM meant to stop it and the UI kept running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from pod_pipeline_tests.test_commands_on_postgres import free_port

CLI = str(Path(sys.executable).with_name("pod-pipeline"))


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # what `&` in a non-interactive shell does
    os.setsid()  # its own group, so the test can clean up whatever is left


def test_dev_started_in_the_background_stops_on_sigterm(tmp_path):
    port, sandbox_port, bucket_port = free_port(), free_port(), free_port()
    log = tmp_path / "dev.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POD_", "DAGSTER_"))}
    with log.open("w") as out:
        dev = subprocess.Popen([CLI, "dev", "--home", str(tmp_path / "dev"), "--port", str(port),
                                "--sandbox-port", str(sandbox_port), "--bucket-port", str(bucket_port)],
                               env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=ignore_sigint)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert dev.poll() is None, log.read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the UI did not come up:\n" + log.read_text()[-3000:]
            time.sleep(0.5)

        # A quiet console while it runs: no Dagster beta/preview/supersession notices, no daemon
        # INFO line every few seconds (issue 15, item 9).
        time.sleep(12)
        console = log.read_text()
        assert "Warning" not in console and " - INFO - " not in console, console[-3000:]

        stopped_at = time.monotonic()
        dev.send_signal(signal.SIGTERM)
        dev.wait(timeout=60)
        took = time.monotonic() - stopped_at
        assert took < 30, f"took {took:.1f} s"
        # Nothing of the group is left running: not the webserver, the daemon or the code server
        # (a zombie, already dead and waiting for this machine's init to reap it, serves nothing).
        time.sleep(1)
        listed = subprocess.run(["ps", "-o", "pid=,stat=,args=", "-g", str(dev.pid)], capture_output=True, text=True)
        survivors = [line for line in listed.stdout.splitlines() if line.split()[1][0] != "Z"]
        assert survivors == [], "still running after SIGTERM:\n" + "\n".join(survivors)
        try:
            httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=2)
            answered = True
        except httpx.TransportError:
            answered = False
        assert not answered
    finally:
        try:
            os.killpg(dev.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        dev.wait(timeout=10)


def test_dev_hands_dagster_dev_a_quiet_environment_that_still_finds_the_settings(tmp_path, monkeypatch):
    from pod_pipeline.tools.dagster_services import QUIET_DEV_WARNINGS, dev_child_environment

    monkeypatch.chdir(tmp_path)
    child = dev_child_environment({"POD_SETTINGS": "my-settings.yaml", "PYTHONWARNINGS": "error::DeprecationWarning"},
                                  {"DAGSTER_HOME": str(tmp_path / "dev" / "dagster")})
    # dagster dev runs in the instance folder: the seller's relative settings path still points here.
    assert child["POD_SETTINGS"] == str(tmp_path / "my-settings.yaml")
    filters = child["PYTHONWARNINGS"].split(",")
    assert filters[0] == "error::DeprecationWarning"  # the caller's own filters come first and stay
    assert filters[1:] == [f"ignore:{message}" for message in QUIET_DEV_WARNINGS]
