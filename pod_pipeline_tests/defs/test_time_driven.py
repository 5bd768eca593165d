"""Declarative automation of the time-driven assets, evaluated as the automation sensor does at
chosen times against the real code location: the funnel and its check every hour (in one run),
the Gelato cache every night, nothing in between; each with a freshness policy."""

from __future__ import annotations

from datetime import datetime, timezone

from dagster import AssetKey, DagsterInstance, evaluate_automation_conditions

from pod_pipeline.definitions import build_definitions

DAY = datetime(2026, 12, 3, tzinfo=timezone.utc)


def at(hour: int, minute: int = 0, second: int = 30) -> datetime:
    return DAY.replace(hour=hour, minute=minute, second=second)


def requested(result) -> set[str]:
    names = set()
    for entry in result.results:
        if entry.true_subset.size:
            key = entry.key
            names.add(key.to_user_string() if isinstance(key, AssetKey) else f"{key.asset_key.to_user_string()}:{key.name}")
    return names


def test_the_funnel_runs_hourly_with_its_check_and_the_cache_nightly(pipeline_env):
    defs = build_definitions(pipeline_env)
    sensor = defs.resolve_sensor_def("time_driven_assets")
    assert sensor.run_tags["pod/mode"] == "demo"
    with DagsterInstance.ephemeral() as instance:
        cursor = None
        seen = {}
        for moment in (at(2, 59), at(3), at(3, 30), at(4), at(4, 20), at(5)):
            result = evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=moment, cursor=cursor)
            cursor = result.cursor
            seen[moment.strftime("%H:%M")] = requested(result)
    funnel = {"funnel", "funnel:funnel_has_no_stuck_artworks"}
    assert seen["03:00"] == funnel  # the hour turned: the funnel and its check, together
    assert seen["03:30"] == set() and seen["04:20"] == set()  # nothing between ticks
    assert seen["04:00"] == funnel | {"templates", "base_costs"}  # the nightly refresh too
    assert seen["05:00"] == funnel


def test_the_time_driven_assets_say_how_fresh_they_must_be(pipeline_env):
    graph = build_definitions(pipeline_env).resolve_asset_graph()
    for name, deadline in (("templates", "0 6 * * *"), ("base_costs", "0 6 * * *"), ("funnel", "30 * * * *")):
        policy = graph.get(AssetKey(name)).freshness_policy
        assert policy is not None and policy.deadline_cron == deadline, (name, policy)
    # Assets moved by outside events (uploads, product status) carry no time-based condition.
    for name in ("artworks", "variants", "listing", "prices", "published_products"):
        assert graph.get(AssetKey(name)).automation_condition is None, name
