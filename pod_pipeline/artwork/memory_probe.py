"""How much memory `process_artwork` needs for a big upload, measured in a fresh process.

    python -m pod_pipeline.artwork.memory_probe [--size 10000] [--orientation 6]

writes a 10,000 × 10,000 px RGB PNG (smooth gradients: small on disk, not a flat colour) to a
temporary directory, runs `process_artwork` on it in a child interpreter and prints the child's
peak resident memory, from `getrusage(RUSAGE_CHILDREN)`. With `--orientation 6` the PNG carries
an EXIF rotation, so the run also builds and encodes a print file - the expensive path.

The PNG is written strip by strip (`PngBandWriter`), so the probe process itself never holds the image
(and nothing it did inflates the figure, which is only about children).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from pod_pipeline.artwork.pngstream import PngBandWriter

_STRIP_ROWS = 256


def _strip(sources: list[Image.Image], width: int, height: int, y0: int, y1: int) -> Image.Image:
    # Each channel is a 256 px gradient stretched over the whole image; `box` picks this strip's
    # slice of it, so the strips join seamlessly.
    box = (0, y0 * 256 / height, 256, y1 * 256 / height)
    bands = [src.resize((width, y1 - y0), Image.Resampling.BILINEAR, box=box) for src in sources]
    return Image.merge("RGB", bands)


def write_probe_png(path: Path, width: int = 10_000, height: int = 10_000, orientation: int = 1) -> Path:
    """Write an RGB gradient PNG without ever holding the whole image in memory."""
    vertical = Image.linear_gradient("L")
    sources = [vertical.transpose(Image.Transpose.TRANSPOSE), vertical, Image.radial_gradient("L")]
    exif = None
    if orientation != 1:
        tags = Image.Exif()
        tags[0x0112] = orientation
        exif = tags.tobytes().removeprefix(b"Exif\x00\x00")
    with Path(path).open("wb") as out:
        writer = PngBandWriter(out, width, height, "RGB", exif=exif)
        for y0 in range(0, height, _STRIP_ROWS):
            writer.add(_strip(sources, width, height, y0, min(height, y0 + _STRIP_ROWS)))
        writer.close()
    return Path(path)


@dataclass(frozen=True)
class ProbeResult:
    width: int
    height: int
    orientation: int
    file_bytes: int
    peak_rss_bytes: int  # getrusage(RUSAGE_CHILDREN).ru_maxrss: the processing child's peak
    baseline_rss_bytes: int  # the child's resident memory after imports, before touching the file
    seconds: float  # process_artwork alone, inside the child
    print_file_bytes: int | None

    def describe(self) -> str:
        mib = 1 << 20
        decoded = self.width * self.height * 4 / mib  # Pillow stores RGB in 4 bytes a pixel
        made = f"a {self.print_file_bytes / mib:.1f} MiB print file" if self.print_file_bytes else "no print file"
        return (
            f"process_artwork on a {self.width:,} × {self.height:,} px PNG ({self.file_bytes / mib:.1f} MiB, "
            f"EXIF orientation {self.orientation}): peak RSS {self.peak_rss_bytes / mib:.0f} MiB "
            f"(resident before the call {self.baseline_rss_bytes / mib:.0f} MiB; one decoded copy is "
            f"{decoded:.0f} MiB), {self.seconds:.1f} s, {made}"
        )


_CHILD = """
import json, resource, sys, time
from pathlib import Path
from pod_pipeline.artwork.inspection import process_artwork
from pod_pipeline.settings.model import PrintRules
try:  # resident now, after imports; ru_maxrss would include import-time transients
    with open("/proc/self/statm") as statm:
        baseline = int(statm.read().split()[1]) * resource.getpagesize() // 1024
except OSError:
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
result = process_artwork(Path(sys.argv[1]), PrintRules())
seconds = time.perf_counter() - started
print(json.dumps({"baseline_kib": baseline, "seconds": seconds,
                  "print_file_bytes": len(result.print_png) if result.print_png else None}))
"""


def measure_peak_memory(width: int = 10_000, height: int = 10_000, orientation: int = 1) -> ProbeResult:
    """Generate the probe PNG and run `process_artwork` on it in a fresh interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with tempfile.TemporaryDirectory(prefix="pod-memory-probe-") as tmp:
        path = write_probe_png(Path(tmp) / "probe.png", width, height, orientation)
        done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"probe child failed:\n{done.stderr}")
        report = json.loads(done.stdout.strip().splitlines()[-1])
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if peak_kib <= before:  # an earlier, bigger child of this process masks ours
            raise RuntimeError("RUSAGE_CHILDREN already held a larger peak; run the probe in a fresh process")
        return ProbeResult(
            width=width, height=height, orientation=orientation, file_bytes=path.stat().st_size,
            peak_rss_bytes=peak_kib * 1024, baseline_rss_bytes=report["baseline_kib"] * 1024,
            seconds=report["seconds"], print_file_bytes=report["print_file_bytes"],
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="width and height in px (default 10000)")
    parser.add_argument("--orientation", type=int, default=1, choices=range(1, 9),
                        help="EXIF orientation to embed; not 1 forces a print file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = measure_peak_memory(args.size, args.size, args.orientation)
    print(result.describe())
    print(f"(probe total {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
