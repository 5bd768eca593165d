"""The bench's CPU meter counts a process's own work, not its waiting."""

import os
import subprocess
import sys
import time

from pod_pipeline.tools.benchmarks.cpu import CpuMeter, cpu_seconds


def test_a_busy_process_counts_its_cpu_and_a_sleeping_one_almost_none():
    spin = "import time\nend = time.monotonic() + 3\nwhile time.monotonic() < end: pass\ntime.sleep(30)"
    busy = subprocess.Popen([sys.executable, "-c", spin])
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.3)  # both interpreters started
        meter = CpuMeter({"busy": [busy.pid], "idle": [idle.pid]}).start()
        time.sleep(1.0)
        spent = meter.stop()
        # Spinning for the whole second: even on a loaded machine it gets a good share of a core.
        assert spent["busy"] >= 0.15 and spent["idle"] <= 0.05, spent
        assert cpu_seconds(os.getpid()) > 0
    finally:
        busy.kill()
        idle.kill()
        busy.wait(10)
        idle.wait(10)
    assert cpu_seconds(busy.pid) is None  # gone: no figure, not a crash
