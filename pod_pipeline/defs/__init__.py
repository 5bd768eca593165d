"""Dagster wiring, by feature; `pod_pipeline.definitions` assembles it.

* `gelato_cache/`: the shared Gelato cache (`templates`, `base_costs`), refreshed nightly.
* `publishing/`: per artwork, upload to live: the upload sensor, `artworks` → `variants`,
  `listing` → `prices` → `published_products`, their checks, the publish job and the status
  sensor that follows products until they are live.
* `repricing/`: re-pricing the whole catalog when Gelato's costs move (schedule and fan-out).
* `operations/`: the upload funnel and its stuck-artwork check, hourly.

The modules beside the folders are shared by them: the resources and how the environment
chooses them, the artworks partition and pools, the IO manager and UI metadata helpers. The
work itself lives in the domain packages (`artwork`, `catalog`, `gelato`, `listing`,
`pricing`, `publishing`, `storage`), which never import Dagster.
"""
