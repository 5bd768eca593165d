"""Ticking a sensor and executing the runs it asks for, in this process, the way the Dagster
daemon would: partition requests applied, cursor kept, run keys deduplicated, runs tagged as
the sensor's. Tests and benchmarks use it to drive the real flow headless and fast; the demo runs
the daemon itself (`dagster_services.daemon`), whose runs and ticks the UI shows as production's."""

from __future__ import annotations

import time

from dagster import Definitions, DagsterInstance, RunsFilter, build_sensor_context

from pod_pipeline.defs.dagster_private import sensor_resources
from pod_pipeline.publishing.product_status import FOLLOWED_BY_SENSOR
from pod_pipeline.tools.run_workers import RunWorkers


class SensorDriver:
    """Ticks a sensor and executes the runs it requests, as the Dagster daemon would."""

    def __init__(self, defs: Definitions, instance: DagsterInstance, sensor_name: str, log_level: str = "DEBUG",
                 workers: RunWorkers | None = None):
        self.defs, self.instance = defs, instance
        self.workers = workers  # given: runs are handed to them and the tick does not wait (as the daemon)
        self.submitted: set[str] = set()
        # The console logger only; every event still lands in the instance for the UI.
        self.run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
        self.sensor = defs.resolve_sensor_def(sensor_name)
        self.resources = sensor_resources(defs, self.sensor)  # built each tick, as the daemon's are
        self.cursor: str | None = None
        self.runs_launched = 0
        self.last_requested = 0  # run requests in the last tick, before run-key deduplication
        self.last_summary: str | None = None  # what the last tick said it did (its skip message)

    def _already_ran(self, run_key: str) -> bool:
        if run_key in self.submitted:
            return True
        tags = {"dagster/sensor_name": self.sensor.name, "dagster/run_key": run_key}
        return bool(self.instance.get_run_ids(filters=RunsFilter(tags=tags), limit=1))

    def tick(self) -> int:
        """One evaluation; returns how many runs it executed (or handed to the workers)."""
        context = build_sensor_context(instance=self.instance, instance_ref=self.instance.get_ref(),
                                      cursor=self.cursor, definitions=self.defs, resources=self.resources,
                                      sensor_name=self.sensor.name)
        data = self.sensor.evaluate_tick(context)
        for request in data.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        for event in data.asset_events or []:
            self.instance.report_runless_asset_event(event)
        self.cursor = data.cursor if data.cursor is not None else self.cursor
        executed = 0
        self.last_requested = len(data.run_requests or [])
        self.last_summary = data.skip_message
        for request in data.run_requests or []:
            # A sensor with one target leaves the job name out of its requests, as the daemon allows.
            job_name = request.job_name or self.sensor.job_name
            if request.run_key and self._already_ran(request.run_key):
                continue
            tags = {**request.tags, "dagster/sensor_name": self.sensor.name}
            run_config = {**(request.run_config or {}), **self.run_config}
            if request.run_key:
                tags["dagster/run_key"] = request.run_key
            if self.workers is not None:
                self.submitted.add(request.run_key or "")
                self.workers.submit(job_name, request.partition_key, tags, run_config)
                executed += 1
                continue
            job = self.defs.resolve_job_def(job_name)
            job.execute_in_process(instance=self.instance, partition_key=request.partition_key, tags=tags,
                                   run_config=run_config,
                                   raise_on_error=False)
            executed += 1
        self.runs_launched += executed
        return executed


def follow_until_settled(defs: Definitions, instance: DagsterInstance, timeout_seconds: float = 60.0,
                         pause_seconds: float = 0.1) -> int:
    """Tick the status sensor until no product is still publishing in Gelato, or the timeout
    passes; returns the ticks taken. Headless stand-in for the daemon's 15 s cadence."""
    driver = SensorDriver(defs, instance, "product_status_sensor")
    catalog = defs.resources["catalog"].open()
    deadline, ticks = time.monotonic() + timeout_seconds, 0
    while time.monotonic() < deadline:
        driver.tick()
        ticks += 1
        counts = catalog.product_status_counts()
        if not any(counts.get(status) for status in FOLLOWED_BY_SENSOR):
            break
        time.sleep(pause_seconds)
    return ticks


def drive_until(defs: Definitions, instance: DagsterInstance, done, timeout_seconds: float,
                idle_pause_seconds: float = 0.5) -> tuple[int, int]:
    """Tick the upload and status sensors in turn, executing the runs they ask for, until
    `done()` or the timeout; returns (ticks, runs). The soak drives the flow so."""
    uploads = SensorDriver(defs, instance, "upload_sensor", log_level="CRITICAL")
    statuses = SensorDriver(defs, instance, "product_status_sensor", log_level="CRITICAL")
    deadline, ticks = time.monotonic() + timeout_seconds, 0
    while time.monotonic() < deadline:
        executed = uploads.tick() + statuses.tick()
        ticks += 1
        if done():
            break
        if executed == 0:
            time.sleep(idle_pause_seconds)
    return ticks, uploads.runs_launched + statuses.runs_launched
