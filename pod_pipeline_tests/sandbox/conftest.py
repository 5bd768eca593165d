from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pod_pipeline.tools.sandbox import SandboxConfig, SandboxServer
from pod_pipeline_tests.sandbox.support import LocalHTTPServer, api_client


@pytest.fixture(scope="session")
def file_host() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as host:
        yield host


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A well-behaved sandbox shared by a test module; publishing takes 0.3 s."""
    with SandboxServer(SandboxConfig(publish_delay_seconds=0.3, fetch_timeout_seconds=3)) as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with api_client() as c:
        yield c
