"""`storefront_price_sensor`: starts a push whenever a price is due in the catalog (a product went
live, a variant was re-priced, a failed push's back-off passed), one push run at a time."""

from __future__ import annotations

import functools

from dagster import (DagsterRunStatus, DefaultSensorStatus, RunRequest, RunsFilter, SensorEvaluationContext,
                     SkipReason, sensor)

from pod_pipeline.catalog.rows import now
from pod_pipeline.defs.resources import CatalogResource, SettingsResource
from pod_pipeline.defs.runs import RunMode, sensor_interval_seconds
from pod_pipeline.defs.storefronts.jobs import PUSH_STOREFRONT_PRICES, push_storefront_prices_job

UNFINISHED = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
              DagsterRunStatus.STARTED]


def due_push(context: SensorEvaluationContext, catalog: CatalogResource, settings: SettingsResource):
    pushing = [store.name for store in settings.load().all_stores() if store.pushes_prices()]
    if not pushing:
        return SkipReason("no store names its marketplace credentials: prices are not pushed")
    due = catalog.open().due_storefront_prices(now(), limit=1, stores=pushing)
    if not due:
        return SkipReason("no storefront price is due")
    if context.instance.get_runs_count(RunsFilter(job_name=PUSH_STOREFRONT_PRICES, statuses=UNFINISHED)):
        return SkipReason("prices are due; a push run is already on its way")
    return RunRequest()


@functools.cache
def storefront_price_sensor(mode: RunMode):
    @sensor(name="storefront_price_sensor", job=push_storefront_prices_job(mode),
            minimum_interval_seconds=sensor_interval_seconds(mode), default_status=DefaultSensorStatus.RUNNING,
            description="Starts push_storefront_prices whenever a retail price is due on the marketplace "
            "(a product went live, a variant was re-priced, a failed push's back-off passed); one push at a time.")
    def _storefront_price_sensor(context: SensorEvaluationContext, catalog: CatalogResource,
                                 settings: SettingsResource):
        return due_push(context, catalog, settings)

    return _storefront_price_sensor
