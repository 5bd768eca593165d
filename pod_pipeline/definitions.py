"""The Dagster code location: each feature's wiring (`defs/<feature>/definitions.py`) merged,
with the resources this environment chooses (`defs/environment.py`)."""

from __future__ import annotations

import logging
import os
from typing import Mapping

from dagster import Definitions

from pod_pipeline.defs.automation import time_driven_sensor
from pod_pipeline.defs.environment import bucket_and_database, build_resources
from pod_pipeline.defs.gelato_cache import definitions as gelato_cache
from pod_pipeline.defs.operations import definitions as operations
from pod_pipeline.defs.publishing import definitions as publishing
from pod_pipeline.defs.repricing import definitions as repricing
from pod_pipeline.defs.runs import RunMode
from pod_pipeline.defs.storefronts import definitions as storefronts
from pod_pipeline.observability import configure_process_logging, init_sentry, pod_logger
from pod_pipeline.settings.mode import current_mode


def build_definitions(env: Mapping[str, str] = os.environ) -> Definitions:
    """The whole code location for one environment (tests and the demo pass their own)."""
    init_sentry(env)  # a no-op without SENTRY_DSN; runs in code servers and run workers
    if env.get("POD_LOG_FORMAT"):  # module logs (the sensors' following, publishing) in the code server
        configure_process_logging(env, logger_name="pod_pipeline")
    mode = current_mode(env)
    logging.getLogger(__name__).info("pod_pipeline mode: %s", mode.description)
    resources = build_resources(env)  # every setting is read here, from `env`, and only here
    run_mode = RunMode(mode.name, *bucket_and_database(env))  # on every run: mode, bucket, catalog
    return Definitions.merge(
        gelato_cache.build(run_mode),
        publishing.build(run_mode),
        repricing.build(run_mode, resources["settings"]),
        storefronts.build(run_mode),
        operations.build(run_mode),
        Definitions(sensors=[time_driven_sensor(run_mode)], loggers={"console": pod_logger}, resources=resources),
    )


defs = build_definitions()
