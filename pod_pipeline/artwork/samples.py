"""The demo's bundled sample uploads, drawn procedurally so the repository ships no binaries.

`write_sample_set(dest)` writes the same bytes every time (no randomness, no timestamps): smooth
gradients and flat shapes in a few colours, which PNG and JPEG both store small and encode fast.
The set covers what the pipeline must tell apart: printable artworks, a panorama that only suits
wrap-around products, one too small for anything, a CMYK photo stored rotated, a truncated
upload and a text file wearing a .png name. `SAMPLES` records what each one should lead to.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class SampleSpec:
    name: str
    description: str
    expected: str  # "accepted", or the ArtworkRejected code the file must produce
    print_ready: bool | None = None  # for accepted files: can the original go to print as is?
    size_px: tuple[int, int] | None = None  # as printed (after EXIF orientation)


SAMPLES: tuple[SampleSpec, ...] = (
    SampleSpec("sunset-over-dunes.png", "3:4 PNG, big enough for a 70×100 cm poster at 150+ dpi",
               "accepted", True, (4800, 6400)),
    SampleSpec("botanical-fern-study.jpg", "3:4 JPEG with an sRGB profile, poster-sized",
               "accepted", True, (4500, 6000)),
    SampleSpec("lake-panorama.jpg", "5:2 panorama: fine for a mug wrap, too wide for posters",
               "accepted", True, (6000, 2400)),
    SampleSpec("tiny-doodle.png", "500×500 palette PNG with transparency: too small for every product",
               "accepted", False, (500, 500)),
    SampleSpec("midnight-garden-cmyk.jpg", "CMYK JPEG stored sideways with EXIF orientation 6",
               "accepted", False, (2700, 3600)),
    SampleSpec("broken-upload.png", "a PNG cut off halfway through its pixel data", "corrupt"),
    SampleSpec("shopping-list.png", "a text file saved with a .png name", "not_an_image"),
)


# ---------------------------------------------------------------------------------------------
# Drawing helpers


def _gradient(size: tuple[int, int], stops: Sequence[tuple[float, Colour]], vertical: bool = True) -> Image.Image:
    """A multi-stop linear gradient: a 256-step strip stretched, so the cost is one resize."""
    strip = Image.new("RGB", (1, 256) if vertical else (256, 1))
    for i in range(256):
        t = i / 255
        for (t0, c0), (t1, c1) in zip(stops, stops[1:]):
            if t0 <= t <= t1:
                f = (t - t0) / (t1 - t0) if t1 > t0 else 0
                colour = tuple(round(a + (b - a) * f) for a, b in zip(c0, c1))
                strip.putpixel((0, i) if vertical else (i, 0), colour)
                break
    return strip.resize(size, Image.Resampling.BILINEAR)


def _wave(width: int, base: float, amplitude: float, waves: float, phase: float, bottom: int,
          steps: int = 120) -> list[tuple[float, float]]:
    points = [(width * i / steps, base + amplitude * math.sin(phase + waves * 2 * math.pi * i / steps))
              for i in range(steps + 1)]
    return [(0, bottom), *points, (width, bottom)]


def _leaf(cx: float, cy: float, length: float, width: float, angle: float) -> list[tuple[float, float]]:
    """A lens-shaped leaf pointing along `angle` (radians) from (cx, cy)."""
    points = []
    for i in range(13):
        t = i / 12
        points.append((t * length, math.sin(math.pi * t) * width / 2))
    points += [(x, -y) for x, y in reversed(points[1:-1])]
    cos, sin = math.cos(angle), math.sin(angle)
    return [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in points]


# ---------------------------------------------------------------------------------------------
# The artworks


def _sunset(width: int = 4800, height: int = 6400) -> Image.Image:
    im = _gradient((width, height), [(0, (43, 27, 84)), (0.35, (196, 69, 105)), (0.6, (250, 163, 77)),
                                      (1, (255, 214, 140))])
    draw = ImageDraw.Draw(im)
    r = width * 0.16
    draw.ellipse((width * 0.5 - r, height * 0.5 - r, width * 0.5 + r, height * 0.5 + r), fill=(255, 236, 179))
    for k, colour in enumerate([(214, 128, 72), (184, 98, 60), (140, 70, 50), (96, 46, 40)]):
        draw.polygon(_wave(width, height * (0.6 + 0.1 * k), height * 0.03, 1.2 + 0.4 * k, k * 1.7, height),
                     fill=colour)
    return im


def _fern(width: int = 4500, height: int = 6000) -> Image.Image:
    im = _gradient((width, height), [(0, (246, 241, 226)), (1, (226, 220, 196))])
    draw = ImageDraw.Draw(im)
    greens = [(46, 94, 62), (74, 124, 76), (112, 150, 88)]
    for f, (x0, lean) in enumerate([(0.3, -0.25), (0.5, 0.0), (0.7, 0.25)]):
        base = (width * x0, height * 0.95)
        tip_angle = -math.pi / 2 + lean
        length = height * (0.78 - 0.08 * abs(lean) * 4)
        stem = [(base[0] + math.cos(tip_angle) * length * t, base[1] + math.sin(tip_angle) * length * t)
                for t in (0, 1)]
        draw.line(stem, fill=greens[0], width=max(4, width // 300))
        for i in range(4, 40):
            t = i / 40
            px, py = (stem[0][0] + (stem[1][0] - stem[0][0]) * t, stem[0][1] + (stem[1][1] - stem[0][1]) * t)
            leaf_len = length * 0.2 * (1 - t) + length * 0.02
            for side in (-1, 1):
                angle = tip_angle + side * (math.pi / 2.6)
                draw.polygon(_leaf(px, py, leaf_len, leaf_len * 0.28, angle), fill=greens[(i + f) % 3])
    return im


def _panorama(width: int = 6000, height: int = 2400) -> Image.Image:
    horizon = int(height * 0.55)
    im = _gradient((width, height), [(0, (120, 170, 220)), (0.55, (220, 232, 240)), (0.56, (70, 110, 140)),
                                      (1, (30, 60, 90))])
    draw = ImageDraw.Draw(im)
    draw.polygon(_wave(width, horizon - height * 0.18, height * 0.08, 3.0, 0.4, horizon), fill=(88, 108, 128))
    draw.polygon(_wave(width, horizon - height * 0.08, height * 0.05, 5.0, 2.1, horizon), fill=(52, 80, 70))
    for k in range(12):  # reflections: a few pale horizontal stripes on the water
        y = horizon + (height - horizon) * (k + 1) / 14
        draw.rectangle((width * 0.1 * (k % 4), y, width * (0.5 + 0.04 * k), y + height * 0.006),
                       fill=(140, 175, 200))
    return im


def _doodle(size: int = 500) -> Image.Image:
    im = Image.new("P", (size, size), 0)
    im.putpalette([255, 255, 255, 30, 30, 30, 255, 204, 0, 230, 70, 60] + [0] * (256 - 4) * 3)
    draw = ImageDraw.Draw(im)
    draw.ellipse((60, 60, size - 60, size - 60), fill=2, outline=1, width=12)
    draw.ellipse((170, 170, 210, 220), fill=1)
    draw.ellipse((290, 170, 330, 220), fill=1)
    draw.arc((150, 190, 350, 380), start=20, end=160, fill=3, width=14)
    im.info["transparency"] = 0
    return im


def _midnight_garden(width: int = 2700, height: int = 3600) -> Image.Image:
    """Drawn upright in RGB; the caller stores it sideways in CMYK."""
    im = _gradient((width, height), [(0, (12, 16, 48)), (1, (28, 52, 60))])
    draw = ImageDraw.Draw(im)
    petals = [(220, 90, 140), (250, 200, 90), (150, 120, 230), (240, 240, 250)]
    for i in range(14):
        cx = width * (0.08 + 0.84 * ((i * 37) % 14) / 13)
        cy = height * (0.35 + 0.5 * ((i * 11) % 7) / 6)
        draw.line([(cx, cy), (cx + width * 0.02, height)], fill=(40, 90, 60), width=max(3, width // 400))
        r = width * (0.04 + 0.01 * (i % 3))
        for p in range(6):
            a = p * math.pi / 3
            px, py = cx + math.cos(a) * r, cy + math.sin(a) * r
            draw.ellipse((px - r * 0.6, py - r * 0.6, px + r * 0.6, py + r * 0.6), fill=petals[i % 4])
        draw.ellipse((cx - r * 0.4, cy - r * 0.4, cx + r * 0.4, cy + r * 0.4), fill=(250, 220, 120))
    return im


def _srgb_profile() -> bytes | None:
    try:
        from PIL import ImageCms
    except ImportError:
        return None
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    # littlecms stamps the creation time (bytes 24-35) and an MD5 of the profile including it
    # (84-99); a fixed date and an all-zero ID ("not computed") keep the sample bytes stable.
    profile[24:36] = struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
    profile[84:100] = bytes(16)
    return bytes(profile)


SHOPPING_LIST = """Shopping list
- oat milk
- sourdough loaf
- 6 eggs
- picture frames (50x70, 2x)
- masking tape
"""


def _write(path: Path, draw: Callable[[], Image.Image], fmt: str, **options: object) -> None:
    with draw() as im:
        im.save(path, fmt, **options)


def write_sample_set(dest_dir: Path) -> list[Path]:
    """Write the sample uploads into `dest_dir` (created if needed); returns their paths in
    `SAMPLES` order. Deterministic: the same bytes on every run with the same Pillow."""
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    paths = {spec.name: dest / spec.name for spec in SAMPLES}

    # Flat colours and smooth ramps: PNG level 6 is both small and quick here.
    _write(paths["sunset-over-dunes.png"], _sunset, "PNG", compress_level=6)
    icc = _srgb_profile()
    _write(paths["botanical-fern-study.jpg"], _fern, "JPEG", quality=88,
           **({"icc_profile": icc} if icc else {}))
    _write(paths["lake-panorama.jpg"], _panorama, "JPEG", quality=88)
    _write(paths["tiny-doodle.png"], _doodle, "PNG", transparency=0)

    # EXIF orientation 6 says "turn 90° clockwise to display", so store the art turned the other way.
    exif = Image.Exif()
    exif[0x0112] = 6
    with _midnight_garden() as upright, upright.transpose(Image.Transpose.ROTATE_90) as sideways, \
            sideways.convert("CMYK") as cmyk:
        cmyk.save(paths["midnight-garden-cmyk.jpg"], "JPEG", quality=88, exif=exif)

    # A real PNG, cut halfway through its pixel data - what an interrupted upload leaves behind.
    broken = paths["broken-upload.png"]
    _write(broken, lambda: _sunset(1600, 1600), "PNG")
    data = broken.read_bytes()
    broken.write_bytes(data[: len(data) // 2])

    paths["shopping-list.png"].write_text(SHOPPING_LIST, encoding="utf-8")
    return [paths[spec.name] for spec in SAMPLES]


if __name__ == "__main__":  # python -m pod_pipeline.artwork.samples DEST
    import sys
    import time

    started = time.perf_counter()
    written = write_sample_set(Path(sys.argv[1] if len(sys.argv) > 1 else "samples"))
    for written_path in written:
        print(f"{written_path}  {written_path.stat().st_size:,} bytes")
    print(f"written in {time.perf_counter() - started:.2f} s")
