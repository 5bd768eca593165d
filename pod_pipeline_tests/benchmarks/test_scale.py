"""`bench scale` in CI at a small size: every figure is measured on what it claims (the asset page
really lists every partition, the sensor really plans the new uploads, the retirement really
retires); the 100,000 figures are in the README."""

from pod_pipeline.tools.benchmarks.scale import measure_scale


def test_scale_figures_come_from_the_real_parts():
    report = measure_scale(artworks=600)
    assert report["asset_page_partitions"] == 600 and report["asset_page_materialized"] == 600, report
    assert report["upload_tick_runs"] == 2, report  # 50 new uploads: two batches of 25
    assert report["retirement_tick_retired"] == 500, report  # one tick's worth
    assert report["partitions_left"] == 100, report  # the daemon's way of applying really deleted 500
    for figure in ("add_partitions_seconds", "materialize_events_seconds", "upload_tick_50_new_seconds",
                   "asset_page_graphql_seconds", "retirement_tick_seconds", "daemon_add_ms_per_tick_of_50",
                   "daemon_applies_retirement_seconds"):
        assert isinstance(report[figure], float) and report[figure] >= 0, (figure, report)
