"""No secret reaches any store, whatever an upstream echoes (issue 13, item 14): a Gelato and a
Claude endpoint that quote the caller's key in every error, driven through the real flow (upload
sensor → runs on a real Dagster instance folder), then the whole instance folder, the catalog
and the captured output searched for the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterInstance

from pod_pipeline.definitions import build_definitions
from pod_pipeline.tools.instance_config import write_embedded_instance
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.server import SandboxServer
from pod_pipeline.tools.sensor_driver import SensorDriver
from pod_pipeline_tests.conftest import poster_only_settings
from pod_pipeline_tests.listing.claude.fake_api import FakeAnthropic
from pod_pipeline_tests.test_pipeline_flow import gradient_jpeg

KEY = "gelato-live-4c7e9a1b2d3f5e60"
ANTHROPIC_KEY = "sk-ant-api03-live-7b6a5c4d3e2f1a0b"


def files_holding(folder: Path, secret: bytes) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and secret in p.read_bytes()]


def run_upload(env: dict, home: Path) -> None:
    """One upload through the upload sensor and its runs on a real instance folder."""
    folder = Path(env["POD_BUCKET_DIR"]) / "user-1"
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
    write_embedded_instance(home)
    defs = build_definitions(env)
    with DagsterInstance.from_config(str(home)) as instance:
        driver = SensorDriver(defs, instance, "upload_sensor")
        while driver.tick():
            pass
        assert any(run.is_failure for run in instance.get_runs()), "nothing failed: the echo never reached us"
        SensorDriver(defs, instance, "product_status_sensor").tick()


def assert_nowhere(secret: str, home: Path, env: dict, output: str) -> None:
    assert secret not in output
    assert files_holding(home, secret.encode()) == []
    assert files_holding(Path(env["POD_CATALOG_URL"].removeprefix("sqlite:///")).parent, secret.encode()) == []


def test_an_upstream_echoing_the_key_leaves_it_nowhere(pipeline_env, tmp_path, capfd):
    # The sandbox wants another key: every call is refused, and every refusal quotes ours back.
    with SandboxServer(SandboxConfig(api_key="the-key-gelato-expects", echo_api_key=True)) as gelato:
        env = {**pipeline_env, "POD_SANDBOX_URL": gelato.base_url, "GELATO_API_KEY": KEY,
               "POD_SETTINGS": poster_only_settings(tmp_path)}
        home = tmp_path / "dagster"
        run_upload(env, home)
        assert gelato.call_counts(), "Gelato was never called: the test proves nothing"
    out, err = capfd.readouterr()
    assert "X-API-KEY" in out + err or files_holding(home, b"X-API-KEY")  # the echo did reach us, redacted
    assert_nowhere(KEY, home, env, out + err)


@pytest.mark.parametrize("expected_key, evidence", [
    (ANTHROPIC_KEY, "you sent x-api-key"),                                # the echo itself, redacted
    ("a-key-the-caller-does-not-have", "ANTHROPIC_API_KEY is invalid"),  # the 401 it came with
], ids=["server-errors", "wrong-key"])
def test_a_claude_endpoint_echoing_the_key_leaves_it_nowhere(pipeline_env, tmp_path, capfd, expected_key, evidence):
    # No reply is scripted, so every message call fails (500, or 401 for a key it does not
    # expect), each error quoting the caller's key back.
    with FakeAnthropic({"claude-haiku-5-5": "active"}, api_key=expected_key, echo_api_key=True) as api:
        env = {**pipeline_env, "POD_COPYWRITER": "claude", "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
               "ANTHROPIC_BASE_URL": api.base_url, "POD_SETTINGS": poster_only_settings(tmp_path),
               "POD_COPY_CACHE_DIR": str(tmp_path / "copy-cache")}
        home = tmp_path / "dagster"
        run_upload(env, home)
        assert api.requests, "Claude was never called: the test proves nothing"
    out, err = capfd.readouterr()
    assert evidence in out + err or files_holding(home, evidence.encode())
    assert_nowhere(ANTHROPIC_KEY, home, env, out + err)
