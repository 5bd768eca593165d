"""POD_COPYWRITER=claude through the whole pipeline, against a Messages-API-compatible endpoint
(the fake on loopback) chosen by ANTHROPIC_BASE_URL; a re-materialization hits the copy cache."""

from pathlib import Path

from dagster import AssetKey, instance_for_test

from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.definitions import build_definitions
from pod_pipeline.tools.sensor_driver import SensorDriver, follow_until_settled
from pod_pipeline.storage.base import artwork_id_for
from pod_pipeline_tests.conftest import poster_only_settings
from pod_pipeline_tests.listing.claude.fake_api import FakeAnthropic
from pod_pipeline_tests.test_pipeline_flow import gradient_jpeg

COPY = {"title": "Dunes at Dusk Art Print", "description_html": "<p>Museum-grade matte paper.</p>",
        "tags": ["desert wall art", "dune poster", "warm decor"], "alt_text": "Orange dunes under a dusk sky"}


def test_claude_writes_the_listing_and_a_rerun_reuses_it(pipeline_env, tmp_path, gelato_sandbox):
    folder = Path(pipeline_env["POD_BUCKET_DIR"]) / "user-1"
    folder.mkdir(parents=True)
    gradient_jpeg(folder / "dunes.jpg", 4200, 6000)
    with FakeAnthropic({"claude-haiku-5-5": "active"}) as api, instance_for_test() as instance:
        api.reply_tool(COPY)
        env = {**pipeline_env, "POD_COPYWRITER": "claude", "ANTHROPIC_API_KEY": "test-key",
               "ANTHROPIC_BASE_URL": api.base_url, "POD_SETTINGS": poster_only_settings(tmp_path),
               "POD_COPY_CACHE_DIR": str(tmp_path / "copy-cache")}
        defs = build_definitions(env)
        driver = SensorDriver(defs, instance, "upload_sensor")
        while driver.tick():
            pass
        follow_until_settled(defs, instance, timeout_seconds=30)
        [request] = api.message_requests
        assert request["model"] == "claude-haiku-5-5"  # demo mode: the cheap model from settings
        assert request["messages"][0]["content"][0]["type"] == "image"

        artwork_id = artwork_id_for("user-1/dunes.jpg")
        catalog = SqliteCatalog(pipeline_env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
        assert catalog.get_artwork(artwork_id).status == "published"
        assert [p.title for p in catalog.products_for(artwork_id)] == [COPY["title"]]

        rerun = defs.resolve_job_def("publish_artwork").execute_in_process(
            instance=instance, partition_key=artwork_id, tags={"pod/upload_path": "user-1/dunes.jpg"})
        assert rerun.success
        assert len(api.message_requests) == 1  # same image, prompt version and model: no new call
        event = instance.get_latest_materialization_event(AssetKey("listing"))
        metadata = event.asset_materialization.metadata
        assert metadata["from_cache"].value is True and metadata["model"].value == "claude-haiku-5-5"
        # What the UI shows: the listing as a buyer reads it (Markdown, not raw HTML or JSON).
        assert metadata["tags"].value == "desert wall art, dune poster, warm decor"
        shown = metadata["listing"].value
        assert shown.startswith("### Dunes at Dusk Art Print") and "Museum\\-grade matte paper\\." in shown
        assert "<p>" not in shown and "**Alt text:** Orange dunes under a dusk sky" in shown
