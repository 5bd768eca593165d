"""Run an ASGI app with uvicorn on a background thread (sandbox, bucket server, tests)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

STARTUP_TIMEOUT_SECONDS = 10.0


class BackgroundServer:
    """`with BackgroundServer(app) as server: server.base_url` — started and ready on enter.
    Port 0 picks a free port."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, name: str = "asgi-server"):
        self.app, self.host, self.name = app, host, name
        self._requested_port = port
        self._port: int | None = None  # kept after stop, so URLs stay printable
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "BackgroundServer":
        if self._thread is not None:
            raise RuntimeError(f"{self.name} already started")
        # Binding here, not in uvicorn, makes the port known before the thread starts and leaves
        # no window for another process to take a port we merely picked.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((self.host, self._requested_port))
        self._port = self._socket.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="auto", access_log=False,
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name=self.name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start (see the log above)")
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

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
