"""Peak memory of the Dagster `artworks` step on a big upload, measured in a fresh process.

The child materializes the real `artworks` asset (download from the local bucket, validation,
preview, normalised print file, catalog row, UI metadata) for one partition on an ephemeral
instance, so the figure includes Dagster and everything the step really holds."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from pod_pipeline.artwork.memory_probe import write_probe_png
from pod_pipeline.storage.base import artwork_id_for

_CHILD = """
import json, sys, time
from pathlib import Path
from dagster import DagsterInstance, materialize
from pod_pipeline.defs.publishing.artworks import artworks
from pod_pipeline.defs.resources import CatalogResource, SettingsResource, LocalStorageResource
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.storage.file_server import BUCKET_MOUNT, create_bucket_app
bucket, path, key = sys.argv[1:4]
def status_kib(field):
    # /proc, not getrusage: ru_maxrss survives exec, so a fat parent would leak into the figure.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))
baseline = status_kib("VmRSS")
# The step ends by fetching the print file as Gelato would (print_file_is_reachable): serve the bucket.
with DagsterInstance.ephemeral() as instance, BackgroundServer(create_bucket_app(Path(bucket))) as server:
    instance.add_dynamic_partitions("artworks", [key])
    started = time.perf_counter()
    result = materialize([artworks], partition_key=key, instance=instance, tags={"pod/upload_path": path},
                         resources={"storage": LocalStorageResource(local_root=bucket,
                                                               public_base_url=server.base_url + BUCKET_MOUNT),
                                    "settings": SettingsResource(),
                                    "catalog": CatalogResource(url=f"sqlite:///{bucket}/../catalog.db")})
    seconds = time.perf_counter() - started
peak = status_kib("VmHWM")
print(json.dumps({"success": result.success, "seconds": seconds, "baseline_kib": baseline, "peak_kib": peak}))
"""


def measure_artwork_step(size: int = 10_000, orientation: int = 1) -> dict:
    with tempfile.TemporaryDirectory(prefix="pod-artwork-step-") as tmp:
        bucket = Path(tmp) / "bucket"
        path = f"bench-user/big-{size}.png"
        (bucket / "bench-user").mkdir(parents=True)
        write_probe_png(bucket / path, size, size, orientation)
        done = subprocess.run([sys.executable, "-c", _CHILD, str(bucket), path, artwork_id_for(path)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"artworks step failed:\n{done.stderr[-3000:]}")
        report = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "width": size, "height": size, "orientation": orientation, "success": report["success"],
        "step_seconds": round(report["seconds"], 2),
        "baseline_rss_mib": round(report["baseline_kib"] / 1024, 1),
        "peak_rss_mib": round(report["peak_kib"] / 1024, 1),
    }
