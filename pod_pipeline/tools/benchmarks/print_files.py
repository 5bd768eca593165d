"""`pod-pipeline bench print-files`: time and peak memory of the print files for one big artwork on
the bundled templates, beside a floor measured the same way.

Each side runs in a fresh process on the same 10,000 × 10,000 px PNG (made once, in strips):
- pipeline: what `print_files` does without the bucket — decode once, estimate the focal box,
  render every distinct print area (crop, resize in stripes into a canvas with bleed, mirror,
  encode) and the contact sheet;
- floor: decode once, then the same resizes (each area's crop box, with its bleed where the
  artwork reaches, to the same pixel size) and the same encodes, with Pillow directly.
Peak memory is the process's high-water RSS above its baseline after imports (/proc/self/status);
the decoded image is width × height × 4 bytes (Pillow keeps RGB in 32-bit pixels)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from pod_pipeline.artwork.memory_probe import write_probe_png

_CHILD = """
import json, sys, time
from pathlib import Path
def status_kib(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))
from PIL import Image
from pod_pipeline.tools.benchmarks.print_files import bundled_areas, floor, pipeline
path, side = Path(sys.argv[1]), sys.argv[2]
areas = bundled_areas()
baseline = status_kib("VmRSS")
started = time.perf_counter()
files = (pipeline if side == "pipeline" else floor)(path, areas)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": round(seconds, 2), "files": files, "baseline_mib": round(baseline / 1024, 1),
                  "peak_above_baseline_mib": round((status_kib("VmHWM") - baseline) / 1024, 1)}))
"""


def bundled_areas():
    from pod_pipeline.gelato.models import Template
    from pod_pipeline.print_files.areas import print_areas
    from pod_pipeline.settings import load_settings
    from pod_pipeline.tools.sandbox.seed import load_catalog

    seller, templates = load_settings(), load_catalog().templates
    return print_areas([(Template.model_validate(templates[c.id]), seller.print_rules_for(c.id).fit_method,
                         c.placeholders, c.product_type) for c in seller.templates])


def pipeline(path: Path, areas) -> int:
    from pod_pipeline.print_files.contact_sheet import contact_sheet
    from pod_pipeline.print_files.decode import decode_print_file
    from pod_pipeline.print_files.focal import estimate_focal
    from pod_pipeline.print_files.render import render_all

    image = decode_print_file(path, 250_000_000)
    focal = estimate_focal(image)
    crops = [(made.area.key, made.crop) for made in render_all(image, areas, focal, 300)]
    contact_sheet(image, crops, focal)
    return len(crops)


def floor(path: Path, areas) -> int:
    """The same pixels out, the shortest way: one resize per file, one encode."""
    import io

    from PIL import Image

    from pod_pipeline.print_files.crop import crop_for
    from pod_pipeline.print_files.focal import Focal
    from pod_pipeline.print_files.render import MM_PER_INCH, PNG_COMPRESS_LEVEL, target_size

    image = Image.open(path)
    image.load()
    middle = Focal(0.25, 0.25, 0.75, 0.75)
    for area in areas:
        crop = crop_for(image.width, image.height, area.width_mm, area.height_mm, middle, area.fit_method)
        width, height, scale = target_size(area, crop, 300)
        bleed = round(area.rule.bleed_mm / MM_PER_INCH * width / (area.width_mm / MM_PER_INCH))
        if area.fit_method == "meet":  # the whole artwork, at the scale the area allows
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            resized = image.resize(size, Image.LANCZOS)
        else:
            resized = image.resize((width + 2 * bleed, height + 2 * bleed), Image.LANCZOS, box=crop.box)
        out = io.BytesIO()
        resized.save(out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
        resized.close()
    return len(areas)


def _measure(path: Path, side: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), side], capture_output=True, text=True,
                          timeout=900, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_print_files(size: int = 10_000, runs: int = 1) -> dict:
    with tempfile.TemporaryDirectory(prefix="pod-bench-print-") as folder:
        path = write_probe_png(Path(folder) / "artwork.png", size, size)
        sides = {side: [_measure(path, side) for _ in range(runs)] for side in ("floor", "pipeline")}
    best = {side: min(results, key=lambda r: r["seconds"]) for side, results in sides.items()}
    decoded_mib = round(size * size * 4 / 2**20, 1)  # Pillow keeps RGB at 4 bytes a pixel
    pipeline_peak = max(r["peak_above_baseline_mib"] for r in sides["pipeline"])
    return {
        "artwork_px": f"{size}×{size}", "print_files": best["pipeline"]["files"], "decoded_mib": decoded_mib,
        "floor_seconds": best["floor"]["seconds"], "pipeline_seconds": best["pipeline"]["seconds"],
        "ratio": round(best["pipeline"]["seconds"] / best["floor"]["seconds"], 2),
        "floor_peak_mib": max(r["peak_above_baseline_mib"] for r in sides["floor"]),
        "pipeline_peak_mib": pipeline_peak,
        "pipeline_peak_above_decoded_mib": round(pipeline_peak - decoded_mib, 1),
        "goals": {"ratio_at_most": 1.3, "peak_above_decoded_at_most_mib": 250},
    }
