"""Bulk copy: the cache-missing artworks go to Claude as one Message Batch, and materializing
`listing` afterwards makes no synchronous call."""

from pathlib import Path

from dagster import AssetKey, instance_for_test

from pod_pipeline.tools.bulk_copy import prefill_copy_cache
from pod_pipeline.definitions import build_definitions
from pod_pipeline.storage.base import artwork_id_for
from pod_pipeline_tests.listing.claude.fake_api import FakeAnthropic, tool_message
from pod_pipeline_tests.conftest import poster_only_settings
from pod_pipeline_tests.test_claude_flow import COPY
from pod_pipeline_tests.test_pipeline_flow import gradient_jpeg


def test_a_batch_fills_the_cache_for_every_artwork_that_needs_copy(pipeline_env, tmp_path, gelato_sandbox):
    folder = Path(pipeline_env["POD_BUCKET_DIR"]) / "user-1"
    folder.mkdir(parents=True)
    names = ["dunes.jpg", "canyon.jpg"]
    for i, name in enumerate(names):
        gradient_jpeg(folder / name, 4200 + i, 6000)
    (folder / "notes.png").write_text("not an image")
    keys = [artwork_id_for(f"user-1/{n}") for n in names + ["notes.png"]]
    with FakeAnthropic({"claude-haiku-5-5": "active"}) as api, instance_for_test() as instance:
        env = {**pipeline_env, "POD_COPYWRITER": "claude", "ANTHROPIC_API_KEY": "test-key",
               "ANTHROPIC_BASE_URL": api.base_url, "POD_SETTINGS": poster_only_settings(tmp_path),
               "POD_COPY_CACHE_DIR": str(tmp_path / "copy-cache")}
        defs = build_definitions(env)
        defs.resolve_job_def("refresh_gelato_cache").execute_in_process(instance=instance)
        instance.add_dynamic_partitions("artworks", keys)
        up_to_variants = defs.resolve_implicit_global_asset_job_def()
        for key, name in zip(keys, names + ["notes.png"]):
            up_to_variants.execute_in_process(instance=instance, partition_key=key, raise_on_error=False,
                                              asset_selection=[AssetKey("artworks"), AssetKey("variants")],
                                              tags={"pod/upload_path": f"user-1/{name}"})

        api.script_batch(lambda submitted: [
            {"custom_id": row["custom_id"], "result": {"type": "succeeded", "message": tool_message(COPY)}}
            for row in reversed(submitted)], polls=1)
        report = prefill_copy_cache(defs, instance, sleep=lambda seconds: None, first_delay=0)
        assert report["batched"] == 2 and report["written"] == 2 and report["not_materialized"] == 1
        assert not api.message_requests  # no synchronous call so far

        for key, name in zip(keys[:2], names):
            done = defs.resolve_job_def("publish_artwork").execute_in_process(
                instance=instance, partition_key=key, tags={"pod/upload_path": f"user-1/{name}"})
            assert done.success
        assert not api.message_requests  # metadata came from the batch, through the cache
        again = prefill_copy_cache(defs, instance, sleep=lambda seconds: None, first_delay=0)
        assert again["batched"] == 0 and again["already_cached"] == 2
