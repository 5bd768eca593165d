"""A local, seeded stand-in for Gelato's e-commerce and product APIs (reference/gelato-api.md),
served over real HTTP so the pipeline's client, retries and polling run unchanged against it."""

from pod_pipeline.tools.sandbox.app import create_app
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.faults import FaultKnobs
from pod_pipeline.tools.sandbox.server import SandboxServer, serve
from pod_pipeline.tools.sandbox.state import SandboxState

__all__ = ["FaultKnobs", "SandboxConfig", "SandboxServer", "SandboxState", "create_app", "serve"]
