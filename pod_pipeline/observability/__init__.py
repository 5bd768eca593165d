"""Structured logs with the artwork, template and product on every line; optional Sentry."""

from pod_pipeline.observability.context import carry_context, context_of, current_context, log_context
from pod_pipeline.observability.logs import RUN_LOGGER_CONFIG, configure_process_logging, pod_logger, with_run_logger
from pod_pipeline.observability.sentry import capture_step_failure, init_sentry, report_errors, report_step_failure

__all__ = ["RUN_LOGGER_CONFIG", "capture_step_failure", "carry_context", "configure_process_logging", "context_of",
           "current_context", "init_sentry", "log_context", "pod_logger", "report_errors",
           "report_step_failure", "with_run_logger"]
