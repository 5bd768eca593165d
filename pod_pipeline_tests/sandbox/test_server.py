from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from pod_pipeline.tools.sandbox import SandboxServer


def test_port_zero_picks_a_free_port_and_urls_follow_it():
    with SandboxServer() as server:
        assert server.port > 0
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        assert (server.ecommerce_url, server.product_url) == (server.base_url + "/v1", server.base_url + "/v3")
        assert httpx.get(server.base_url + "/_sandbox/health", trust_env=False).status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.base_url + "/_sandbox/health", trust_env=False)


def test_two_servers_run_side_by_side_with_separate_state():
    with SandboxServer() as one, SandboxServer() as two:
        assert one.port != two.port
        httpx.get(one.ecommerce_url + "/templates/x", trust_env=False)
        assert one.call_counts() == {"GET /v1/templates/{templateId}": 1}
        assert two.call_counts() == {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_module_entry_point_serves_until_stopped():
    help_text = subprocess.run([sys.executable, "-m", "pod_pipeline.tools.sandbox", "--help"],
                               capture_output=True, text=True, check=True).stdout
    assert "--port" in help_text and "--publish-delay" in help_text

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "pod_pipeline.tools.sandbox", "--port", str(port), "--api-key", "k"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/templates/c12a363e-0d4e-4d96-be4b-bf4138eb8743",
                                     headers={"X-API-KEY": "k"}, trust_env=False)
                break
            except httpx.ConnectError:
                assert process.poll() is None and time.monotonic() < deadline, "sandbox did not start"
                time.sleep(0.1)
        assert response.status_code == 200 and response.json()["productType"] == "Poster"
    finally:
        process.terminate()
        process.wait(timeout=10)
