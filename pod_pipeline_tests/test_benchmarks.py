from pod_pipeline.tools.benchmarks.artwork_step import measure_artwork_step


def test_artwork_step_benchmark_measures_a_real_materialization():
    report = measure_artwork_step(size=1500)
    assert report["success"] is True
    assert report["peak_rss_mib"] > report["baseline_rss_mib"] > 0


def test_copy_cost_benchmark_counts_what_would_be_sent():
    from pod_pipeline.tools.benchmarks.copy_cost import measure_copy_cost

    report = measure_copy_cost()
    assert len(report["artworks"]) == 5  # the accepted samples; rejected files never reach Claude
    assert all(r["image_tokens"] <= 1600 and r["text_tokens"] > 100 for r in report["artworks"])
    haiku = report["cost_per_1000_artworks"]["claude-haiku-5-5"]
    assert haiku["batch_usd"] == round(haiku["sync_usd"] / 2, 2) > 0
    # Two marketplaces: still one request, each version's title and tags costing a little more.
    two = report["marketplaces"]
    assert two["requests_per_artwork"] == {"one_marketplace": 1, "etsy_and_shopify": 1}
    assert two["etsy_and_shopify"]["output_tokens"] > two["one_marketplace"]["output_tokens"] > 50
    assert two["etsy_and_shopify"]["input_tokens"] > two["one_marketplace"]["input_tokens"]
    assert 1.0 < two["cost_ratio"] <= 1.3


def test_print_files_benchmark_measures_both_sides_in_fresh_processes():
    from pod_pipeline.tools.benchmarks.print_files import measure_print_files

    report = measure_print_files(size=2000)
    assert report["print_files"] == 8  # the bundled templates' distinct print areas
    assert report["floor_seconds"] > 0 and report["pipeline_seconds"] > 0
    assert report["decoded_mib"] == round(2000 * 2000 * 4 / 2**20, 1)
    assert 0 < report["pipeline_peak_above_decoded_mib"] < 250  # the bands: no full-size copy
