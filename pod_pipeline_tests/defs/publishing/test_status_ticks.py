"""A status-sensor tick says what it did (issue 15, item 8): a tick that moved products reads
"N products checked … N changes", not "0 runs requested"."""

import re
import time
from pathlib import Path

from dagster import instance_for_test

from pod_pipeline.definitions import build_definitions
from pod_pipeline.tools.sensor_driver import SensorDriver
from pod_pipeline_tests.conftest import poster_only_settings
from pod_pipeline_tests.test_pipeline_flow import gradient_jpeg


def test_a_tick_that_moves_products_says_so(pipeline_env, tmp_path, gelato_sandbox):
    env = {**pipeline_env, "POD_SETTINGS": poster_only_settings(tmp_path)}
    folder = Path(env["POD_BUCKET_DIR"]) / "user-1"
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
    defs = build_definitions(env)
    with instance_for_test() as instance:
        uploads = SensorDriver(defs, instance, "upload_sensor")
        while uploads.tick():
            pass
        status = SensorDriver(defs, instance, "product_status_sensor")
        summaries = []
        for _ in range(100):  # bounded: the sandbox publishes in 0.3 s, polls are due within a second
            status.tick()
            summaries.append(status.last_summary or "")
            if re.search(r"\b[1-9]\d* changes", summaries[-1]):
                break
            time.sleep(0.1)
    assert re.search(r"\b[1-9]\d* changes", summaries[-1]), summaries
    assert "products checked" in summaries[-1] and "Gelato calls" in summaries[-1]


def test_template_names_are_loaded_once_per_templates_materialization():
    """Each tick that moved a product names its templates; the `templates` value is loaded again
    only when the Gelato cache was refreshed (a new materialization), not every tick."""
    from types import SimpleNamespace

    from pod_pipeline.defs.publishing.status_sensor import cached_template_titles

    latest, loads, warnings = [None], [], []
    values = {"run-1": {"t1": SimpleNamespace(title="Poster")}, "run-2": {"t1": SimpleNamespace(title="Matte poster")}}

    def load_asset_value(key, instance):
        loads.append(latest[0].run_id)
        return values[latest[0].run_id]

    context = SimpleNamespace(
        instance=SimpleNamespace(get_latest_materialization_event=lambda key: latest[0]),
        repository_def=SimpleNamespace(load_asset_value=load_asset_value),
        log=SimpleNamespace(warning=warnings.append))
    assert cached_template_titles(context) == {} and warnings  # no cache yet: ids are the names
    latest[0] = SimpleNamespace(run_id="run-1", timestamp=1.0)
    assert [cached_template_titles(context) for _ in range(3)] == [{"t1": "Poster"}] * 3
    assert loads == ["run-1"]
    latest[0] = SimpleNamespace(run_id="run-2", timestamp=2.0)  # the nightly refresh renamed it
    assert cached_template_titles(context) == {"t1": "Matte poster"} and loads == ["run-1", "run-2"]
