"""No secret reaches any store, whatever an upstream echoes (issue 13, item 14): a Gelato that
quotes the caller's X-API-KEY in every error, driven through the real flow (upload sensor →
runs on a real Dagster instance folder), then the whole instance folder, the catalog and the
captured output searched for the key."""

from __future__ import annotations

from pathlib import Path

from dagster import DagsterInstance

from pod_pipeline.definitions import build_definitions
from pod_pipeline.instance_config import write_embedded_instance
from pod_pipeline.sandbox.config import SandboxConfig
from pod_pipeline.sandbox.server import SandboxServer
from pod_pipeline.sensor_driver import SensorDriver
from pod_pipeline_tests.conftest import poster_only_settings
from pod_pipeline_tests.test_pipeline_flow import gradient_jpeg

KEY = "gelato-live-4c7e9a1b2d3f5e60"


def files_holding(folder: Path, secret: bytes) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and secret in p.read_bytes()]


def test_an_upstream_echoing_the_key_leaves_it_nowhere(pipeline_env, tmp_path, capfd):
    # The sandbox wants another key: every call is refused, and every refusal quotes ours back.
    with SandboxServer(SandboxConfig(api_key="the-key-gelato-expects", echo_api_key=True)) as gelato:
        env = {**pipeline_env, "POD_SANDBOX_URL": gelato.base_url, "GELATO_API_KEY": KEY,
               "POD_SETTINGS": poster_only_settings(tmp_path)}
        folder = Path(env["POD_BUCKET_DIR"]) / "user-1"
        folder.mkdir(parents=True)
        gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
        home = tmp_path / "dagster"
        write_embedded_instance(home)
        defs = build_definitions(env)
        with DagsterInstance.from_config(str(home)) as instance:
            driver = SensorDriver(defs, instance, "upload_sensor")
            assert driver.tick() == 1  # the cache bootstrap run: Gelato refuses it
            run = instance.get_runs(limit=1)[0]
            assert run.is_failure
            SensorDriver(defs, instance, "product_status_sensor").tick()
        assert gelato.call_counts(), "Gelato was never called: the test proves nothing"
    out, err = capfd.readouterr()
    assert "X-API-KEY" in out + err or files_holding(home, b"X-API-KEY")  # the echo did reach us, redacted
    assert KEY not in out + err
    assert files_holding(home, KEY.encode()) == []
    assert files_holding(Path(env["POD_CATALOG_URL"].removeprefix("sqlite:///")).parent, KEY.encode()) == []
