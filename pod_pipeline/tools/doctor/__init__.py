"""`pod-pipeline doctor`: checks configuration, settings, the Dagster instance, the catalog,
storage, Gelato, Anthropic, the webhook secret and Sentry, and says for each what it found and
how to fix it. No secret is printed: variable names, at most a key's last 4 characters.

    results, mode = run_doctor(os.environ, timeout_seconds=10)
    print(render_text(results, mode)); sys.exit(exit_code(results))
"""

from pod_pipeline.tools.doctor.report import (
    FAIL,
    OK,
    SKIP,
    STATUSES,
    WARN,
    CheckResult,
    exit_code,
    render_text,
    report_json,
)
from pod_pipeline.tools.doctor.runner import CHECK_NAMES, CHECKS, DEFAULT_TIMEOUT_SECONDS, Check, run_checks, run_doctor

__all__ = [
    "CHECKS", "CHECK_NAMES", "DEFAULT_TIMEOUT_SECONDS", "FAIL", "OK", "SKIP", "STATUSES", "WARN", "Check",
    "CheckResult", "exit_code", "render_text", "report_json", "run_checks", "run_doctor",
]
