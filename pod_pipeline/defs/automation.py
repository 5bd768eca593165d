"""The time-driven assets run by declarative automation, not schedules: the Gelato cache
(`templates`, `base_costs`) nightly and the `funnel` (with its stuck-artwork check) hourly, each
with a freshness policy, so the UI shows when one fell behind. One automation sensor evaluates
them; sensors stay for outside events (uploads, product status, the re-pricing fan-out).

Runs it launches carry the mode tag like every job's. They use Dagster's default console
logger (an automation run takes no run config); their events reach the UI all the same.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from dagster import (
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    FreshnessPolicy,
)

from pod_pipeline.defs.runs import RunMode, mode_tags

NIGHTLY_CRON = "0 4 * * *"  # after Gelato's nightly cost changes, before sellers' mornings (UTC)
HOURLY_CRON = "0 * * * *"

# Expected within two hours of the nightly refresh, and within the first half of each hour.
NIGHTLY_FRESHNESS = FreshnessPolicy.cron(deadline_cron="0 6 * * *", lower_bound_delta=timedelta(hours=2))
HOURLY_FRESHNESS = FreshnessPolicy.cron(deadline_cron="30 * * * *", lower_bound_delta=timedelta(minutes=30))


def nightly() -> AutomationCondition:
    return AutomationCondition.on_cron(NIGHTLY_CRON)


def hourly() -> AutomationCondition:
    return AutomationCondition.on_cron(HOURLY_CRON)


def with_its_asset() -> AutomationCondition:
    """For a check: requested whenever its asset is, so both go in one run."""
    return AutomationCondition.any_deps_match(AutomationCondition.will_be_requested())


TIME_DRIVEN = AssetSelection.assets("templates", "base_costs", "funnel")

@functools.cache
def time_driven_sensor(mode: RunMode) -> AutomationConditionSensorDefinition:
    return AutomationConditionSensorDefinition(
        "time_driven_assets",
        target=TIME_DRIVEN,
        run_tags=mode_tags(mode),
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=60,
        description="Refreshes the Gelato cache nightly (04:00 UTC) and the upload funnel hourly, as their "
        "automation conditions say.",
    )
