"""Running the sandbox: in a background thread for tests and benchmarks (`SandboxServer`), or in
the foreground for a developer (`serve`)."""

from __future__ import annotations

from typing import Any

import uvicorn

from pod_pipeline.tools.sandbox.app import create_app
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.faults import FaultKnobs
from pod_pipeline.tools.sandbox.state import SandboxState
from pod_pipeline.tools.serving import BackgroundServer

class SandboxAddresses:
    """The two API roots under a sandbox's `base_url`, as GelatoClient takes them."""

    base_url: str

    @property
    def ecommerce_url(self) -> str:
        return self.base_url + "/v1"

    @property
    def product_url(self) -> str:
        return self.base_url + "/v3"


class SandboxServer(SandboxAddresses):
    """A real HTTP Gelato on loopback. Port 0 picks a free port; read it from `.base_url`.

        with SandboxServer(SandboxConfig(publish_delay_seconds=0.3)) as gelato:
            client = GelatoClient(gelato.ecommerce_url, gelato.product_url, api_key="sandbox-key")
    """

    def __init__(self, config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self.app = create_app(self.config)
        self.state: SandboxState = self.app.state.sandbox
        self._server = BackgroundServer(self.app, host=host, port=port, name="gelato-sandbox")

    # --- addresses ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        return self._server.base_url

    # --- test helpers ------------------------------------------------------------------------
    def call_counts(self) -> dict[str, int]:
        """Calls per route, e.g. {"GET /v1/templates/{templateId}": 3}."""
        return self.state.call_counts()

    def reset_calls(self) -> None:
        self.state.reset_calls()

    def set_cost_factors(self, changes: list[dict[str, Any]]) -> dict[str, str]:
        """[{"productUid", "country", "factor"}]: Gelato's unit cost there moves by `factor`."""
        return self.state.set_cost_factors(changes)

    def set_faults(self, **knobs: Any) -> FaultKnobs:
        return self.state.faults.update(knobs)

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

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
