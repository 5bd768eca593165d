"""A publishing run in its own process, for the crash test to kill: the first run of an
artwork's partition, or (with a parent run id) Dagster's retry of a failed run, re-executed
from the failure exactly as the run-retry daemon launches it.

    python -m pod_pipeline_tests.crash_worker <dagster_home> <partition> <upload_path> [<failed_run_id>]

Configuration comes from the environment, as in a deployed run worker.
"""

from __future__ import annotations

import os
import sys

from dagster import DagsterInstance, ReexecutionOptions, execute_job
from dagster._core.definitions.reconstruct import build_reconstructable_job

from pod_pipeline.definitions import build_definitions
from pod_pipeline.defs.runs import UPLOAD_PATH_TAG


def publish_job():
    return build_definitions(os.environ).resolve_job_def("publish_artwork")


def main(home: str, partition: str, upload_path: str, failed_run_id: str | None = None) -> int:
    job = build_reconstructable_job("pod_pipeline_tests.crash_worker", "publish_job")
    with DagsterInstance.from_config(home) as instance:
        if failed_run_id is None:
            # Tagged as the upload sensor tags its runs.
            result = execute_job(job, instance, tags={"dagster/partition": partition, UPLOAD_PATH_TAG: upload_path})
        else:
            parent = instance.get_run_by_id(failed_run_id)
            retry = int(parent.tags.get("dagster/retry_number", "0")) + 1
            result = execute_job(job, instance, reexecution_options=ReexecutionOptions.from_failure(
                failed_run_id, instance), tags={**parent.tags, "dagster/retry_number": str(retry)})
        print(result.run_id, flush=True)
        return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
