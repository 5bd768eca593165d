"""Re-pricing the whole catalog: a cost refresh on a schedule (or by hand), then a sensor that
re-prices every artwork in a few range runs of `prices`."""
