"""The `funnel` asset and its stuck-artwork check, materialized for real on an ephemeral
instance over a seeded SQLite and Postgres catalog."""

import base64
import io
import re
from datetime import timedelta

import pytest
from dagster import AssetCheckSeverity, DagsterInstance, materialize
from PIL import Image

from pod_pipeline.defs.operations.funnel import daily_frame, funnel, funnel_has_no_stuck_artworks
from pod_pipeline.catalog.funnel import FUNNEL_STAGES
from pod_pipeline.catalog.rows import now
from pod_pipeline.catalog.funnel_chart import HEIGHT, WIDTH
from pod_pipeline.defs.resources import CatalogResource
from pod_pipeline_tests.catalog.funnel_seed import catalog, catalog_url, seed_funnel, set_times  # noqa: F401
from pod_pipeline_tests.test_pipeline_flow import instance, uploads  # noqa: F401


def run(db, days: int | None = None, stuck_after_minutes: int | None = None):
    config = {}
    if days is not None:
        config["funnel"] = {"config": {"days": days}}
    if stuck_after_minutes is not None:
        config["funnel_funnel_has_no_stuck_artworks"] = {"config": {"stuck_after_minutes": stuck_after_minutes}}
    return materialize([funnel, funnel_has_no_stuck_artworks], instance=DagsterInstance.ephemeral(),
                       resources={"catalog": CatalogResource(url=catalog_url(db))}, run_config={"ops": config})


def metadata_of(result) -> dict:
    [materialization] = result.asset_materializations_for_node("funnel")
    return {key: value.value for key, value in materialization.metadata.items()}


def check_of(result):
    [evaluation] = result.get_asset_check_evaluations()
    return evaluation


def test_the_funnel_counts_every_stage_of_the_window_and_plots_it(catalog):
    seeded = seed_funnel(catalog)
    result = run(catalog)
    meta = metadata_of(result)
    assert {s: meta[s] for s in FUNNEL_STAGES} == dict(zip(FUNNEL_STAGES, (10, 7, 6, 5, 4, 3)))
    assert all(isinstance(meta[s], int) for s in FUNNEL_STAGES)  # numbers the UI plots over time
    assert meta["conversion_printable"] == pytest.approx(0.7)
    assert meta["conversion_copy_written"] == pytest.approx(6 / 7)
    assert meta["conversion_priced"] == pytest.approx(5 / 6)
    assert meta["conversion_published"] == pytest.approx(4 / 5)
    assert meta["conversion_live"] == pytest.approx(3 / 4)
    assert meta["overall_conversion"] == pytest.approx(0.3)
    assert meta["window_days"] == 30 and meta["first_day"] == (now().date() - timedelta(days=29)).isoformat()

    uri = re.fullmatch(r"!\[upload funnel\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", meta["chart"])
    png = base64.b64decode(uri.group(1))
    assert len(uri.group(0)) < 100_000  # what every hourly materialization stores in the event log
    with Image.open(io.BytesIO(png)) as image:
        assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT))

    days = [r.data["day"] for r in meta["daily"].records]
    daily = {r.data["day"]: r.data for r in meta["daily"].records}
    # Issue 15, item 6: no rows of zeros; newest first; today kept for its running totals.
    assert set(days) == {day.isoformat() for day in seeded.expected} | {now().date().isoformat()}
    assert days == sorted(days, reverse=True)
    for day, expected in seeded.expected.items():
        assert tuple(daily[day.isoformat()][s] for s in FUNNEL_STAGES) == expected
    assert daily[now().date().isoformat()]["live_total"] == 3  # today: no uploads, totals carried

    frame = result.output_for_node("funnel")
    assert len(frame) == 30 and frame["uploads"].sum() == 10 and frame["day"].iloc[-1] == now().date().isoformat()
    assert check_of(result).passed  # the seeded processing artworks changed moments ago


def test_a_shorter_window_counts_only_its_days(catalog):
    seed_funnel(catalog)
    meta = metadata_of(run(catalog, days=2))  # yesterday and today
    assert {s: meta[s] for s in FUNNEL_STAGES} == dict(zip(FUNNEL_STAGES, (3, 2, 2, 2, 2, 2)))
    assert len(meta["daily"].records) == 2


def test_an_artwork_left_publishing_warns_and_is_listed(catalog):
    seed_funnel(catalog)
    set_times(catalog, "d1-publishing", updated_at=now() - timedelta(minutes=90))
    set_times(catalog, "d2-processing", updated_at=now() - timedelta(minutes=30))  # a run still working
    check = check_of(run(catalog))
    assert not check.passed and check.severity == AssetCheckSeverity.WARN
    assert check.metadata["stuck"].value == 1
    [listed] = check.metadata["artworks"].value.records
    assert (listed.data["artwork"], listed.data["status"]) == ("d1-publishing", "publishing")
    assert 89 <= listed.data["unchanged_minutes"] <= 91
    assert "d1-publishing" in check.description

    assert check_of(run(catalog, stuck_after_minutes=120)).passed


def test_days_without_uploads_are_zeros_with_the_totals_carried():
    from datetime import date

    from pod_pipeline.catalog.funnel import FunnelDay

    counts = dict(zip(FUNNEL_STAGES, (2, 1, 1, 1, 1, 1)))
    frame = daily_frame([FunnelDay(day=date(2026, 3, 2), counts=counts, totals=counts)],
                        date(2026, 3, 1), date(2026, 3, 4))
    assert frame["day"].tolist() == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    assert frame["uploads"].tolist() == [0, 2, 0, 0] and frame["live_total"].tolist() == [0, 1, 1, 1]


def test_after_the_real_flow_the_funnel_tells_each_upload_where_it_stopped(pipeline_env, uploads, instance,
                                                                            gelato_sandbox):
    """Sharp artwork live on every template, a panorama live on one, a too-small file and a
    non-image rejected: the stage definitions read the catalog the pipeline really writes."""
    from pod_pipeline.catalog.sqlite import SqliteCatalog
    from pod_pipeline.definitions import build_definitions
    from pod_pipeline.tools.sensor_driver import SensorDriver
    from pod_pipeline_tests.test_pipeline_flow import run_until_quiet

    run_until_quiet(SensorDriver(build_definitions(pipeline_env), instance, "upload_sensor"))
    db = SqliteCatalog(pipeline_env["POD_CATALOG_URL"].removeprefix("sqlite:///"))
    assert sorted(db.get_artwork(a).status for a in uploads.values()) == ["partial", "published", "rejected",
                                                                         "rejected"]
    result = run(db)
    meta = metadata_of(result)
    assert {s: meta[s] for s in FUNNEL_STAGES} == dict(zip(FUNNEL_STAGES, (4, 2, 2, 2, 2, 2)))
    assert check_of(result).passed
