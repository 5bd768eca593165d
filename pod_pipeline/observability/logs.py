"""Log lines that say which artwork, template and product they are about.

* `ContextFilter` stamps every record with the current `log_context` and, for records that come
  from a Dagster run (`context.log`), the run id, job, step and partition Dagster attaches as
  `record.dagster_meta`. Every partitioned asset here is partitioned by artwork, so a run's
  partition is its artwork: Dagster's own lines (STEP_START, …) carry the artwork too.
* `JsonFormatter`: one JSON object per line; `TextFormatter`: the usual line with
  `[artwork=… template=… product=…]` appended.
* `pod_logger`: the Dagster run logger (`Definitions(loggers={"console": pod_logger})`).
* `configure_process_logging()`: the same lines for processes outside Dagster runs (webhook
  receiver, CLI commands), from `POD_LOG_FORMAT` and `POD_LOG_LEVEL`.
"""

import json
import logging
import os
import sys
from datetime import datetime, timezone
from typing import Any, Mapping

from dagster import Enum, EnumValue, Field, InitLoggerContext, logger

from pod_pipeline.observability.context import FIELDS, current_context

FORMATS = ("json", "text")
DEFAULT_FORMAT, DEFAULT_LEVEL = "text", "INFO"
RUN_LOGGER_NAME = "pod_pipeline.run"
# Dagster's run tags for the partition (or range) a run is for.
PARTITION_TAG = "dagster/partition"
RANGE_TAGS = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")
MODE_TAG = "pod/mode"
_SHORT_NAMES = {"artwork_id": "artwork", "template_id": "template", "store": "store", "product_id": "product",
                "gelato_product_id": "gelato_product"}


class LoggingConfigError(ValueError):
    pass


def _dagster_fields(record: logging.LogRecord) -> dict[str, Any]:
    meta = getattr(record, "dagster_meta", None)
    if not isinstance(meta, Mapping):
        return {}
    tags = meta.get("job_tags") or {}
    partition = tags.get(PARTITION_TAG)
    if partition is None and all(tag in tags for tag in RANGE_TAGS):
        partition = f"{tags[RANGE_TAGS[0]]}..{tags[RANGE_TAGS[1]]}"
    event = meta.get("dagster_event")
    fields = {"run_id": meta.get("run_id"), "job": meta.get("job_name"), "step": meta.get("step_key"),
              "partition": partition, "mode": tags.get(MODE_TAG),
              "event": getattr(event, "event_type_value", None)}
    if PARTITION_TAG in tags:
        fields["artwork_id"] = tags[PARTITION_TAG]
    error = getattr(getattr(event, "event_specific_data", None), "error", None)
    if error is not None and hasattr(error, "to_string"):
        fields["error"] = error.to_string()
    return fields


class ContextFilter(logging.Filter):
    """Adds `record.pod_context` (the fields below, those that are set) and one attribute per
    field. A value passed explicitly (`extra={"product_id": …}`) wins over the context."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = {name: value for name, value in _dagster_fields(record).items() if value is not None}
        context = current_context()
        for name in FIELDS:
            explicit = record.__dict__.get(name)
            value = explicit if explicit is not None else context.get(name, fields.get(name))
            fields.pop(name, None)
            if value is not None:
                fields[name] = value
        record.pod_context = fields
        for name, value in fields.items():
            if name not in record.__dict__:
                setattr(record, name, value)
        return True


def _fields_of(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, "pod_context", None)
    if fields is None:  # a handler without the filter: compute it here
        ContextFilter().filter(record)
        fields = record.pod_context
    return fields


def _message_of(record: logging.LogRecord) -> str:
    meta = getattr(record, "dagster_meta", None)
    if isinstance(meta, Mapping) and meta.get("orig_message") is not None:
        return str(meta["orig_message"])  # without Dagster's "job - run - step - " prefix
    return record.getMessage()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the context fields that are
    set (run_id, job, step, partition, event, artwork_id, template_id, product_id, …)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _message_of(record),
            **_fields_of(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message [artwork=… template=… product=…]`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = _fields_of(record)
        context = " ".join(f"{_SHORT_NAMES[name]}={fields[name]}" for name in FIELDS if name in fields)
        if not context:
            return line
        first, newline, rest = line.partition("\n")  # after the message, before any traceback
        return f"{first} [{context}]{newline}{rest}"


def formatter_for(kind: str) -> logging.Formatter:
    if kind not in FORMATS:
        raise LoggingConfigError(f"log format must be one of {', '.join(FORMATS)}, not {kind!r}")
    return JsonFormatter() if kind == "json" else TextFormatter()


def parse_level(value: str | int, name: str = "POD_LOG_LEVEL") -> int:
    if isinstance(value, int):
        return value
    text = str(value).strip().upper()
    if text.isdigit():
        return int(text)
    level = logging.getLevelName(text)
    if not isinstance(level, int):
        raise LoggingConfigError(f"{name} must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {value!r}")
    return level


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time (pytest's capture, a redirected stream)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def context_handler(kind: str, level: int = logging.NOTSET) -> logging.Handler:
    handler = _StderrHandler()
    handler.setLevel(level)
    handler.addFilter(ContextFilter())
    handler.setFormatter(formatter_for(kind))
    handler.pod_handler = True  # marks ours, so configuring again replaces it
    return handler


def _format_from_env(env: Mapping[str, str]) -> str:
    kind = (env.get("POD_LOG_FORMAT") or DEFAULT_FORMAT).strip().lower()
    if kind not in FORMATS:
        raise LoggingConfigError(f"POD_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {kind!r}")
    return kind


# Dagster instantiates a run logger only when the run config names it: jobs carry this as their
# default config (`define_asset_job(config=RUN_LOGGER_CONFIG)`), so every run uses `pod_logger`
# without anyone writing run config; a launch can still set `format` / `log_level`. A run launched
# with run config of its own (a RunRequest's `run_config`, a range run) does not get the job's
# default: give it `with_run_logger(...)`.
RUN_LOGGER_CONFIG = {"loggers": {"console": {}}}


def with_run_logger(run_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`run_config` plus the `pod_logger` entry (a logger config it already has is kept)."""
    merged = dict(run_config or {})
    merged["loggers"] = {**RUN_LOGGER_CONFIG["loggers"], **(merged.get("loggers") or {})}
    return merged


@logger(
    config_schema={
        "log_level": Field(str, is_required=False,
                           description="Threshold (DEBUG shows Dagster's own events); default POD_LOG_LEVEL or INFO."),
        "format": Field(Enum("PodLogFormat", [EnumValue(kind) for kind in FORMATS]), is_required=False,
                        description="json: one JSON object per line; text: readable. Default POD_LOG_FORMAT or text."),
    },
    description="Run logs on stderr with the artwork, template and product each line is about "
    "(and the run, step and partition), as JSON lines or text.",
)
def pod_logger(init_context: InitLoggerContext) -> logging.Logger:
    config = init_context.logger_config or {}
    level = parse_level(config.get("log_level") or os.environ.get("POD_LOG_LEVEL") or DEFAULT_LEVEL)
    kind = config.get("format") or _format_from_env(os.environ)
    # A fresh logger per run, outside the logging registry: Dagster hands it every record itself.
    run_logger = logging.Logger(RUN_LOGGER_NAME, level)
    run_logger.addHandler(context_handler(kind))
    return run_logger


def configure_process_logging(env: Mapping[str, str] = os.environ, logger_name: str = "") -> logging.Logger:
    """Context-stamped lines on stderr for a process outside Dagster runs: the root logger by
    default (CLI commands, the webhook receiver), or one logger tree such as "pod_pipeline" in
    a process whose other logging belongs to someone else (a Dagster code server). Calling it
    again replaces the handler it added; records still propagate to the root."""
    kind, level = _format_from_env(env), parse_level(env.get("POD_LOG_LEVEL") or DEFAULT_LEVEL)
    target = logging.getLogger(logger_name or None)
    for handler in [h for h in target.handlers if getattr(h, "pod_handler", False)]:
        target.removeHandler(handler)
    target.addHandler(context_handler(kind))
    target.setLevel(level)
    return target
