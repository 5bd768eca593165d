"""Structured logs: every line of a real Dagster run through `pod_logger` names its run, step,
partition and the artwork/template/product it is about; nested contexts restore; thread pools
get the context only when it is carried in."""

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    DagsterInstance,
    Definitions,
    StaticPartitionsDefinition,
    asset,
    define_asset_job,
)

from pod_pipeline.catalog.rows import ArtworkRow, now
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.publishing.following import Follower
from pod_pipeline.observability import (
    RUN_LOGGER_CONFIG,
    carry_context,
    configure_process_logging,
    context_of,
    current_context,
    log_context,
    pod_logger,
    with_run_logger,
)
from pod_pipeline.observability.logs import ContextFilter, LoggingConfigError, TextFormatter
from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.tools.sandbox.server import SandboxServer
from pod_pipeline_tests.publishing.test_following import FAST, STORE, client_for, create

artworks = StaticPartitionsDefinition(["art-1", "art-2"])


@asset(partitions_def=artworks)
def tiny_products(context: AssetExecutionContext) -> int:
    context.log.info("checking the file")
    with log_context(template_id="poster", product_id=f"{context.partition_key}:poster"):
        context.log.info("publishing the poster")
        with log_context(template_id="mug", product_id=f"{context.partition_key}:mug"):
            context.log.warning("publishing the mug")
        context.log.info("back to the poster")
    return 1


@asset(partitions_def=artworks)
def failing_product(context: AssetExecutionContext) -> int:
    with log_context(template_id="mug"):
        raise ValueError("Gelato lost the mug")


@asset(partitions_def=artworks, backfill_policy=BackfillPolicy.single_run())
def batch_products(context: AssetExecutionContext) -> None:
    context.log.info(f"a batch of {len(context.partition_keys)}")
    for key in context.partition_keys:
        with log_context(artwork_id=key):
            context.log.info("publishing")


defs = Definitions(
    assets=[tiny_products, failing_product, batch_products],
    jobs=[define_asset_job("publish", selection=[tiny_products], config=RUN_LOGGER_CONFIG),
          define_asset_job("batch", selection=[batch_products], config=RUN_LOGGER_CONFIG),
          define_asset_job("fail", selection=[failing_product], config=RUN_LOGGER_CONFIG, tags={"pod/mode": "demo"})],
    loggers={"console": pod_logger},
)


def json_lines(text: str) -> list[dict]:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "the run logged nothing"
    return [json.loads(line) for line in lines]  # every line is one JSON object


def test_every_line_of_a_run_names_its_run_step_and_artwork_and_nested_contexts_restore(monkeypatch, capsys):
    monkeypatch.setenv("POD_LOG_FORMAT", "json")
    monkeypatch.setenv("POD_LOG_LEVEL", "DEBUG")  # Dagster's own events too
    capsys.readouterr()
    result = defs.resolve_job_def("publish").execute_in_process(partition_key="art-2",
                                                                   instance=DagsterInstance.ephemeral())
    lines = json_lines(capsys.readouterr().err)

    assert all(line["run_id"] == result.run_id and line["artwork_id"] == "art-2" and line["partition"] == "art-2"
               and line["logger"] == "pod_pipeline.run" for line in lines)
    assert {"STEP_START", "STEP_SUCCESS", "ASSET_MATERIALIZATION"} <= {line.get("event") for line in lines}
    ours = [(line["message"], line["level"], line["step"], line.get("template_id"), line.get("product_id"))
            for line in lines if "event" not in line and not line["message"].startswith("Writing file")]
    assert ours == [
        ("checking the file", "INFO", "tiny_products", None, None),
        ("publishing the poster", "INFO", "tiny_products", "poster", "art-2:poster"),
        ("publishing the mug", "WARNING", "tiny_products", "mug", "art-2:mug"),
        ("back to the poster", "INFO", "tiny_products", "poster", "art-2:poster"),
    ]
    assert current_context() == {}  # nothing leaks out of the run


def test_run_config_picks_the_text_format_and_a_failed_step_keeps_its_error(monkeypatch, capsys):
    monkeypatch.setenv("POD_LOG_FORMAT", "json")
    capsys.readouterr()
    defs.resolve_job_def("publish").execute_in_process(
        partition_key="art-1", instance=DagsterInstance.ephemeral(),
        run_config={"loggers": {"console": {"config": {"format": "text", "log_level": "INFO"}}}})
    text = capsys.readouterr().err
    assert "publishing the mug [artwork=art-1 template=mug product=art-1:mug]" in text
    assert "checking the file [artwork=art-1]" in text
    assert not any(line.startswith("{") for line in text.splitlines())

    result = defs.resolve_job_def("fail").execute_in_process(partition_key="art-1", raise_on_error=False,
                                                                instance=DagsterInstance.ephemeral())
    assert not result.success
    failure = [line for line in json_lines(capsys.readouterr().err) if line.get("event") == "STEP_FAILURE"]
    assert len(failure) == 1 and failure[0]["level"] == "ERROR"
    assert failure[0]["artwork_id"] == "art-1" and failure[0]["step"] == "failing_product"
    assert failure[0]["mode"] == "demo" and "Gelato lost the mug" in failure[0]["error"]


def test_a_range_run_names_its_range_and_each_artwork_where_the_asset_sets_it(monkeypatch, capsys):
    monkeypatch.setenv("POD_LOG_FORMAT", "json")
    capsys.readouterr()
    # A range run does not get the job's default config: the request carries the logger.
    defs.resolve_job_def("batch").execute_in_process(
        instance=DagsterInstance.ephemeral(), run_config=with_run_logger({"loggers": {"console": {"config": {}}}}),
        tags={"dagster/asset_partition_range_start": "art-1", "dagster/asset_partition_range_end": "art-2"})
    ours = [(line["message"], line["partition"], line.get("artwork_id"))
            for line in json_lines(capsys.readouterr().err) if "event" not in line]
    assert ours == [("a batch of 2", "art-1..art-2", None), ("publishing", "art-1..art-2", "art-1"),
                    ("publishing", "art-1..art-2", "art-2")]
    assert with_run_logger({"ops": {"a": {}}}) == {"ops": {"a": {}}, "loggers": {"console": {}}}


def test_nested_contexts_restore_the_outer_values_even_when_the_block_raises():
    with log_context(artwork_id="a1", template_id="poster") as outer:
        assert outer == {"artwork_id": "a1", "template_id": "poster"}
        with pytest.raises(ValueError) as raised:
            with log_context(template_id="mug", product_id="a1:mug"):
                assert current_context() == {"artwork_id": "a1", "template_id": "mug", "product_id": "a1:mug"}
                raise ValueError("boom")
        assert current_context() == {"artwork_id": "a1", "template_id": "poster"}
        # The error remembers where it was raised, for whoever reports it later.
        assert context_of(raised.value) == {"artwork_id": "a1", "template_id": "mug", "product_id": "a1:mug"}
        with log_context(template_id=None):
            assert current_context() == {"artwork_id": "a1"}
    assert current_context() == {}
    with pytest.raises(TypeError, match="not colour"):
        with log_context(colour="red"):
            pass


def test_thread_pool_workers_see_the_context_only_when_it_is_carried_in():
    with log_context(artwork_id="a1", product_id="a1:poster"), ThreadPoolExecutor(max_workers=2) as pool:
        # Python does not copy contextvars into executor threads: the worker starts empty.
        assert pool.submit(current_context).result() == {}
        carried = carry_context(current_context)
        assert list(pool.map(lambda _: carried(), range(4))) == [{"artwork_id": "a1", "product_id": "a1:poster"}] * 4
        assert current_context() == {"artwork_id": "a1", "product_id": "a1:poster"}


class Recorder(logging.Handler):
    """Keeps each record's context as `ContextFilter` saw it, with the thread that logged it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.addFilter(ContextFilter())
        self.seen: list[tuple[str, str, dict]] = []

    def emit(self, record):
        self.seen.append((record.threadName, record.getMessage(), record.pod_context))


def test_status_checks_in_the_followers_thread_pool_log_with_their_product(tmp_path, print_file_url):
    catalog = SqliteCatalog(tmp_path / "catalog.db")
    catalog.upsert_artwork(ArtworkRow(id="art-1", user_id="u1", path="u1/a.png", version="v1", status="publishing"))
    recorder, package = Recorder(), logging.getLogger("pod_pipeline")
    with SandboxServer(SandboxConfig(publish_delay_seconds=0.2)) as server, client_for(server) as client:
        row = create(client, catalog, print_file_url, next_check_at=now() - timedelta(seconds=1))
        server.set_faults(rate_5xx=1.0)
        package.addHandler(recorder)
        level, package.level = package.level, logging.DEBUG
        try:
            report = Follower(catalog, client, STORE, FAST).tick()
        finally:
            package.removeHandler(recorder)
            package.setLevel(level)
    assert report.check_errors == 1
    expected = {"artwork_id": "art-1", "template_id": row.template_id, "store": "main", "product_id": row.id,
                "gelato_product_id": row.gelato_product_id}
    retries = [seen for seen in recorder.seen if "retrying" in seen[1]]
    assert retries and all(thread.startswith("gelato-status") for thread, _, _ in retries)  # in the pool
    assert all(context == expected for _, _, context in retries)
    gave_up = [context for thread, message, context in recorder.seen if "polling again later" in message]
    assert gave_up == [expected] and threading.current_thread().name == "MainThread"


def test_process_logging_writes_context_lines_and_configuring_again_replaces_its_handler(capsys):
    name = "pod_pipeline_tests.observability.process"
    configure_process_logging({"POD_LOG_FORMAT": "text"}, logger_name=name)
    target = configure_process_logging({"POD_LOG_FORMAT": "json", "POD_LOG_LEVEL": "warning"}, logger_name=name)
    try:
        assert len([h for h in target.handlers if getattr(h, "pod_handler", False)]) == 1
        capsys.readouterr()
        with log_context(artwork_id="a9", gelato_product_id="g-9"):
            target.info("not at WARNING")
            target.warning("webhook for %s", "g-9", extra={"product_id": "a9:mug"})
        [line] = json_lines(capsys.readouterr().err)
        assert line["message"] == "webhook for g-9" and line["level"] == "WARNING"
        assert (line["artwork_id"], line["product_id"], line["gelato_product_id"]) == ("a9", "a9:mug", "g-9")
    finally:
        for handler in list(target.handlers):
            target.removeHandler(handler)
        target.setLevel(logging.NOTSET)
    with pytest.raises(LoggingConfigError, match="POD_LOG_FORMAT"):
        configure_process_logging({"POD_LOG_FORMAT": "xml"}, logger_name=name)
    with pytest.raises(LoggingConfigError, match="POD_LOG_LEVEL"):
        configure_process_logging({"POD_LOG_LEVEL": "chatty"}, logger_name=name)


def test_text_lines_put_the_context_after_the_message_and_before_a_traceback():
    try:
        raise RuntimeError("bad file")
    except RuntimeError:
        import sys

        record = logging.LogRecord("pod_pipeline.x", logging.ERROR, __file__, 1, "rejected %s", ("a.png",),
                                   sys.exc_info())
    with log_context(artwork_id="a1", template_id="poster"):
        ContextFilter().filter(record)
    first, *rest = TextFormatter().format(record).splitlines()
    assert first.endswith("pod_pipeline.x: rejected a.png [artwork=a1 template=poster]")
    assert rest[0].startswith("Traceback") and rest[-1] == "RuntimeError: bad file"
