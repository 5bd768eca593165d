"""Optional error reporting to Sentry: nothing happens unless `SENTRY_DSN` is set.

Every event is tagged with the current log context (artwork, template, product, Gelato product)
and `pod.mode`, and scrubbed of secrets before it leaves the process (`scrubbing.py`): PII
collection stays off, stack-frame locals are not sent (a frame holding a client holds its key),
and every known secret value is hidden wherever it appears.

Dagster's own log lines (step and run failures at ERROR) never become events: a rejected upload
is a recorded outcome, not a bug, and a step's real failure is reported once, with its exception
and context, by `capture_step_failure` from the job's failure hook.
"""

import logging
import os
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

import sentry_sdk
from dagster import Failure, HookContext, failure_hook
from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

from pod_pipeline.observability.context import context_of, current_context, log_context
from pod_pipeline.observability.logs import MODE_TAG, PARTITION_TAG, RUN_LOGGER_NAME
from pod_pipeline.observability.scrubbing import Scrubber

log = logging.getLogger(__name__)
MODE_TAG_NAME = "pod.mode"


class SentryConfigError(ValueError):
    pass


def _sample_rate(env: Mapping[str, str]) -> float | None:
    text = (env.get("SENTRY_TRACES_SAMPLE_RATE") or "").strip()
    if not text:
        return None
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise SentryConfigError(f"SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, not {text!r}")
    return rate


def _mode(env: Mapping[str, str]) -> str:
    from pod_pipeline.settings.mode import current_mode  # validates POD_MODE like everything else

    return current_mode(env).name


def _from_dagster_logging(hint: Mapping[str, Any] | None) -> bool:
    record = (hint or {}).get("log_record")
    return record is not None and (record.name in ("dagster", RUN_LOGGER_NAME) or hasattr(record, "dagster_meta"))


def _error_of(hint: Mapping[str, Any] | None) -> BaseException | None:
    exc_info = (hint or {}).get("exc_info")
    return exc_info[1] if exc_info and len(exc_info) > 1 else None


def event_processor(scrubber: Scrubber, mode: str):
    """`before_send`: drops Dagster's log-line events, tags with the context (the one an
    exception was raised in wins: it is the innermost), hides secrets."""

    def before_send(event: dict, hint: dict | None) -> dict | None:
        if _from_dagster_logging(hint):
            return None
        context = {**current_context(), **context_of(_error_of(hint))}
        event["tags"] = {**(event.get("tags") or {}), MODE_TAG_NAME: mode, **context}
        event.setdefault("contexts", {})["pod"] = {"mode": mode, **context}
        return scrubber.scrub(event)

    return before_send


def init_sentry(env: Mapping[str, str] = os.environ, **options: Any) -> bool:
    """Starts Sentry when `SENTRY_DSN` is set (else does nothing and returns False).
    `SENTRY_ENVIRONMENT` (default: the pod mode) and `SENTRY_TRACES_SAMPLE_RATE` (default: no
    tracing) are optional; `options` go to `sentry_sdk.init` (tests pass a `transport`)."""
    dsn = (env.get("SENTRY_DSN") or "").strip()
    if not dsn:
        return False
    mode = _mode(env)
    scrubber = Scrubber.from_environment(env)
    before_send = event_processor(scrubber, mode)
    # `pod_logger` re-logs every run line Dagster already logged: one breadcrumb is enough.
    ignore_logger(RUN_LOGGER_NAME)
    sentry_sdk.init(**{
        "dsn": dsn,
        "environment": (env.get("SENTRY_ENVIRONMENT") or "").strip() or mode,
        "traces_sample_rate": _sample_rate(env),
        # send_default_pii is deprecated in sentry-sdk 2.75 (it warns when passed); unset means off.
        "include_local_variables": False,
        "event_scrubber": EventScrubber(denylist=[*DEFAULT_DENYLIST, "x-api-key", "signature",
                                                  *sorted(scrubber.sensitive_keys)], recursive=True),
        "before_send": before_send,
        "before_send_transaction": before_send,
        "integrations": [LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
        **options,
    })
    log.info("Sentry error reporting on (environment %s)", sentry_sdk.get_client().options["environment"])
    return True


def sentry_active() -> bool:
    return sentry_sdk.get_client().is_active()


def is_recorded_outcome(error: BaseException) -> bool:
    """A `Failure(allow_retries=False)` is how assets stop on a rejected file or a product Gelato
    refused: the artwork's reason says why, so it is not an error to report."""
    return isinstance(error, Failure) and not getattr(error, "allow_retries", True)


def _run_tags(context) -> Mapping[str, str]:
    try:
        run = context.instance.get_run_by_id(context.run_id)
    except Exception:  # a hook must never fail because reporting did
        return {}
    return run.tags if run else {}


def capture_step_failure(context: HookContext, error: BaseException | None = None) -> str | None:
    """Reports a failed step (from a `@failure_hook`) with its run, step, job and artwork; the
    event id, or None when Sentry is off or the failure is a recorded outcome."""
    error = error if error is not None else context.op_exception
    if not sentry_active() or error is None or is_recorded_outcome(error):
        return None
    tags = _run_tags(context)
    artwork_id = context_of(error).get("artwork_id") or current_context().get("artwork_id") or tags.get(PARTITION_TAG)
    dagster = {"run_id": context.run_id, "job": context.job_name, "step": context.step_key,
               "partition": tags.get(PARTITION_TAG), "mode": tags.get(MODE_TAG)}
    with sentry_sdk.new_scope() as scope, log_context(artwork_id=artwork_id):
        scope.set_tag("dagster.run_id", context.run_id)
        scope.set_tag("dagster.job", context.job_name)
        scope.set_tag("dagster.step", context.step_key)
        scope.set_context("dagster", {key: value for key, value in dagster.items() if value is not None})
        return sentry_sdk.capture_exception(error)


@failure_hook(name="report_step_failure")
def report_step_failure(context: HookContext) -> None:
    """Every job's failed steps to Sentry (a no-op while Sentry is off)."""
    capture_step_failure(context)


@contextmanager
def report_errors(**tags: str) -> Iterator[None]:
    """Reports an exception escaping the block (then re-raises it): for code whose errors
    Dagster only logs, such as a sensor tick."""
    try:
        yield
    except Exception as error:
        if sentry_active():
            with sentry_sdk.new_scope() as scope:
                for key, value in tags.items():
                    scope.set_tag(key, value)
                sentry_sdk.capture_exception(error)
        raise
