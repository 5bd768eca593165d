"""Running the checks: all at once, each on its own thread with a deadline, so a hung service
costs one check its answer and the doctor's run time stays about one time limit. A check that
raises is reported as failed; `Skip` becomes a skip; the others go on either way."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from pod_pipeline.tools.doctor.configuration import (check_configuration, check_sentry, check_settings, check_storefront,
                                                     check_webhook_secret)
from pod_pipeline.tools.doctor.context import DoctorContext, Skip
from pod_pipeline.tools.doctor.databases import check_catalog, check_dagster, first_line
from pod_pipeline.tools.doctor.report import FAIL, SKIP, CheckResult, Finding
from pod_pipeline.tools.doctor.services import check_anthropic, check_gelato, check_gelato_templates
from pod_pipeline.tools.doctor.storage import check_print_files, check_storage
from pod_pipeline.observability.scrubbing import Scrubber

DEFAULT_TIMEOUT_SECONDS = 10.0
# A check makes a few calls in a row (connect, then query; one GET per template): it gets this
# many time limits in all before it is reported as hung.
CALLS_PER_CHECK = 3


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[DoctorContext], Finding]


CHECKS = (
    Check("configuration", check_configuration),
    Check("settings", check_settings),
    Check("dagster", check_dagster),
    Check("catalog", check_catalog),
    Check("storage", check_storage),
    Check("print files", check_print_files),
    Check("gelato", check_gelato),
    Check("gelato templates", check_gelato_templates),
    Check("storefront", check_storefront),
    Check("anthropic", check_anthropic),
    Check("webhook secret", check_webhook_secret),
    Check("sentry", check_sentry),
)
CHECK_NAMES = tuple(check.name for check in CHECKS)


def run_doctor(env: Mapping[str, str] | None = None, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
               only: Iterable[str] | None = None) -> tuple[list[CheckResult], str | None]:
    """Every check (or those named in `only`) against `env` (default: the process environment).
    Returns the results in CHECKS order, secrets removed, and the mode (None when invalid)."""
    env = os.environ if env is None else env
    wanted = set(only) if only is not None else set(CHECK_NAMES)
    unknown = wanted - set(CHECK_NAMES)
    if unknown:
        raise ValueError(f"unknown check(s) {', '.join(sorted(unknown))}; known: {', '.join(CHECK_NAMES)}")
    ctx = DoctorContext(env, timeout_seconds)
    results = run_checks([c for c in CHECKS if c.name in wanted], ctx, timeout_seconds * CALLS_PER_CHECK)
    try:
        mode = ctx.mode()
    except Skip:
        mode = None
    return results, mode


def run_checks(checks: list[Check], ctx: DoctorContext, deadline_seconds: float) -> list[CheckResult]:
    answers: dict[str, CheckResult] = {}
    threads = []
    for check in checks:
        thread = threading.Thread(target=lambda c=check: answers.__setitem__(c.name, _run_one(c, ctx)),
                                  name=f"doctor {check.name}", daemon=True)  # a hung one must not block exit
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + deadline_seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    scrubber = Scrubber.from_environment(ctx.env)
    redact = lambda text: None if text is None else scrubber.text(text)  # noqa: E731
    results = []
    for check in checks:
        result = answers.get(check.name) or CheckResult(
            check.name, FAIL, f"no answer within {deadline_seconds:g} s",
            "check that the service it contacts is reachable from here, or raise --timeout", deadline_seconds)
        results.append(CheckResult(result.name, result.status, redact(result.found), redact(result.fix),
                                   result.seconds))
    return results


def _run_one(check: Check, ctx: DoctorContext) -> CheckResult:
    started = time.monotonic()
    try:
        finding = check.run(ctx)
    except Skip as reason:
        finding = Finding(SKIP, str(reason))
    except Exception as error:  # a bug or an unforeseen error in one check must not hide the others
        finding = Finding(FAIL, f"the check itself failed: {type(error).__name__}: {first_line(error)}",
                          "report this with the output of `pod-pipeline doctor --json`")
    if finding is None:
        finding = Finding(FAIL, "the check itself failed: it reported nothing",
                          "report this with the output of `pod-pipeline doctor --json`")
    return CheckResult(check.name, finding.status, finding.found, finding.fix, round(time.monotonic() - started, 3))
