from pod_pipeline.benchmarks.artwork_step import measure_artwork_step


def test_artwork_step_benchmark_measures_a_real_materialization():
    report = measure_artwork_step(size=1500)
    assert report["success"] is True
    assert report["peak_rss_mib"] > report["baseline_rss_mib"] > 0
