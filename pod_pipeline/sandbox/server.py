"""Running the sandbox: in a background thread for tests and benchmarks (`SandboxServer`), or in
the foreground for a developer (`serve`)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from pod_pipeline.sandbox.app import create_app
from pod_pipeline.sandbox.config import SandboxConfig
from pod_pipeline.sandbox.faults import FaultKnobs
from pod_pipeline.sandbox.state import SandboxState

STARTUP_TIMEOUT_SECONDS = 10.0


class SandboxServer:
    """A real HTTP Gelato on loopback. Port 0 picks a free port; read it from `.base_url`.

        with SandboxServer(SandboxConfig(publish_delay_seconds=0.3)) as gelato:
            client = GelatoClient(gelato.ecommerce_url, gelato.product_url, api_key="sandbox-key")
    """

    def __init__(self, config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self.app = create_app(self.config)
        self.state: SandboxState = self.app.state.sandbox
        self._requested_port = port
        self._socket: socket.socket | None = None
        self._port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- addresses ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("SandboxServer has not been started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ecommerce_url(self) -> str:
        return self.base_url + "/v1"

    @property
    def product_url(self) -> str:
        return self.base_url + "/v3"

    # --- test helpers ------------------------------------------------------------------------
    def call_counts(self) -> dict[str, int]:
        """Calls per route, e.g. {"GET /v1/templates/{templateId}": 3}."""
        return self.state.call_counts()

    def reset_calls(self) -> None:
        self.state.reset_calls()

    def set_faults(self, **knobs: Any) -> FaultKnobs:
        return self.state.faults.update(knobs)

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        if self._thread is not None:
            raise RuntimeError("SandboxServer already started")
        # Binding here, not in uvicorn, makes the port known before the thread even starts.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((self.host, self._requested_port))
        self._port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="gelato-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("Gelato sandbox did not start (see the log above)")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 8790) -> None:
    """Run the sandbox in the foreground until Ctrl-C."""
    config = config or SandboxConfig()
    print(
        f"Gelato sandbox on http://{host}:{port}  (e-commerce /v1, product /v3, admin /_sandbox)\n"
        f"X-API-KEY: {config.api_key}",
        flush=True,
    )
    uvicorn.run(create_app(config), host=host, port=port, log_level="info")
