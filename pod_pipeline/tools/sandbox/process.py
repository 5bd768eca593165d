"""The sandbox in a process of its own, as Gelato is a service of its own.

A benchmark that serves the sandbox from its own process shares one GIL between Gelato's answers
and whatever else that process does (ticking sensors, receiving webhooks): Gelato then answers
late because the client side is busy, which the real one never does. Here it has its own
interpreter; call counts are read over its `/_sandbox/calls` route."""

from __future__ import annotations

import multiprocessing
import queue
import time

import httpx

from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.server import SandboxAddresses

START_SECONDS = 60.0


def _serve(config: SandboxConfig, addresses, stop) -> None:
    from pod_pipeline.tools.sandbox.server import SandboxServer

    with SandboxServer(config) as sandbox:
        addresses.put(sandbox.base_url)
        stop.wait()


class SandboxProcess(SandboxAddresses):
    """`with SandboxProcess(config) as gelato:` — the addresses as `SandboxServer` gives them."""

    def __init__(self, config: SandboxConfig):
        context = multiprocessing.get_context("spawn")
        self._addresses, self._stop = context.Queue(), context.Event()
        self._process = context.Process(target=_serve, args=(config, self._addresses, self._stop),
                                        name="gelato-sandbox", daemon=True)
        self.base_url = ""

    def __enter__(self) -> "SandboxProcess":
        self._process.start()
        deadline = time.monotonic() + START_SECONDS
        while not self.base_url:
            try:
                self.base_url = self._addresses.get(timeout=0.5)
            except queue.Empty:
                if not self._process.is_alive() or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"the Gelato sandbox process did not start "
                                       f"(exit code {self._process.exitcode})") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=10)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def call_counts(self) -> dict[str, int]:
        return httpx.get(f"{self.base_url}/_sandbox/calls", timeout=10).raise_for_status().json()
