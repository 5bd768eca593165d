"""Publishing's wiring: the per-artwork assets (checks declared on them), the publish job, the
upload sensor that starts it, the sensor that reruns a batch's stopped artworks on their own and
the status sensor that follows the products."""

from dagster import Definitions, load_assets_from_modules

from pod_pipeline.defs.publishing import artworks, listing, prices, print_files, published_products, variants
from pod_pipeline.defs.publishing.jobs import publish_artwork_job
from pod_pipeline.defs.publishing.status_sensor import product_status_sensor
from pod_pipeline.defs.publishing.stopped_sensor import stopped_artwork_sensor
from pod_pipeline.defs.publishing.upload_sensor import upload_sensor
from pod_pipeline.defs.runs import RunMode


def build(mode: RunMode) -> Definitions:
    return Definitions(assets=load_assets_from_modules([artworks, variants, print_files, listing, prices, published_products]),
                       jobs=[publish_artwork_job(mode)], sensors=[upload_sensor(mode), stopped_artwork_sensor(mode), product_status_sensor(mode)])
