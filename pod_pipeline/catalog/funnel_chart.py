"""The upload funnel as a PNG, drawn with Pillow alone (no plotting library to install): the
stages as horizontal bars with their counts and conversion, and below them uploads vs live per
upload day. The same figures always give the same bytes (no timestamps, Pillow's bundled font)."""

from __future__ import annotations

import functools
import io
import math
from datetime import date
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 960, 620
MARGIN = 24
STAGE_LABELS = {"uploads": "Uploads", "printable": "Printable", "copy_written": "Copy written",
                "priced": "Priced", "published": "Published", "live": "Live"}
STAGE_COLOURS = ("#4c78a8", "#72b7b2", "#eeca3b", "#f58518", "#b279a2", "#54a24b")
UPLOADS_COLOUR, LIVE_COLOUR = STAGE_COLOURS[0], STAGE_COLOURS[-1]
INK, MUTED, GRID = "#222222", "#666666", "#e3e3e3"
# The funnel's rows, then the daily chart's plot area (left, top, right, bottom).
FUNNEL_TOP, ROW_HEIGHT, BAR_HEIGHT = 60, 36, 26
LABEL_RIGHT, BARS_LEFT, BARS_RIGHT = 150, 162, 612
PLOT = (84, 336, WIDTH - MARGIN, HEIGHT - 70)


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


def _nice_step(largest: int, ticks: int = 4) -> int:
    """A 1, 2 or 5 × 10ⁿ step giving about `ticks` gridlines up to `largest`."""
    raw = max(largest, 1) / ticks
    power = 10 ** max(math.floor(math.log10(raw)), 0)
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _draw_funnel(draw: ImageDraw.ImageDraw, stages: Sequence[tuple[str, int]]) -> None:
    uploads = stages[0][1] if stages else 0
    centre, span = (BARS_LEFT + BARS_RIGHT) / 2, BARS_RIGHT - BARS_LEFT
    previous = uploads
    for row, ((stage, count), colour) in enumerate(zip(stages, STAGE_COLOURS)):
        top = FUNNEL_TOP + row * ROW_HEIGHT
        middle = top + BAR_HEIGHT / 2
        draw.text((LABEL_RIGHT, middle), STAGE_LABELS.get(stage, stage), font=_font(14), fill=INK, anchor="rm")
        half = span * (count / uploads if uploads else 0) / 2
        draw.rectangle((BARS_LEFT, top, BARS_RIGHT, top + BAR_HEIGHT), fill="#f4f4f4")
        if half >= 0.5:
            draw.rectangle((round(centre - half), top, round(centre + half), top + BAR_HEIGHT), fill=colour)
        draw.text((BARS_RIGHT + 60, middle), f"{count:,}", font=_font(16), fill=INK, anchor="rm")
        detail = f"{_percent(count, uploads)} of uploads"
        if row > 1:
            detail = f"{_percent(count, previous)} of {STAGE_LABELS.get(stages[row - 1][0], '').lower()}  ·  {detail}"
        draw.text((BARS_RIGHT + 72, middle), detail, font=_font(13), fill=MUTED, anchor="lm")
        previous = count


def _draw_axes(image: Image.Image, draw: ImageDraw.ImageDraw, top_value: int, step: int) -> None:
    left, top, right, bottom = PLOT
    for value in range(0, top_value + 1, step):
        y = bottom - (bottom - top) * value / top_value
        draw.line((left, y, right, y), fill=GRID if value else INK)
        draw.text((left - 8, y), f"{value:,}", font=_font(12), fill=MUTED, anchor="rm")
    draw.line((left, top, left, bottom), fill=INK)
    draw.text(((left + right) / 2, HEIGHT - 30), "upload day (UTC)", font=_font(13), fill=INK, anchor="mm")
    label = "artworks"  # drawn sideways along the y axis
    box = _font(13).getbbox(label)
    sideways = Image.new("L", (box[2] + 4, box[3] + 4), 0)
    ImageDraw.Draw(sideways).text((2, 2), label, font=_font(13), fill=255)
    sideways = sideways.rotate(90, expand=True)
    image.paste(INK, (MARGIN - 4, round((top + bottom - sideways.height) / 2)), sideways)


def _draw_daily(image: Image.Image, draw: ImageDraw.ImageDraw, days: Sequence[tuple[date, int, int]]) -> None:
    left, top, right, bottom = PLOT
    draw.text((MARGIN, top - 36), "Uploads and how many of them are live, by upload day", font=_font(15),
              fill=INK, anchor="lm")
    for offset, (name, colour) in enumerate((("live", LIVE_COLOUR), ("uploads", UPLOADS_COLOUR))):
        x = right - 84 * (offset + 1)
        draw.rectangle((x, top - 42, x + 12, top - 30), fill=colour)
        draw.text((x + 18, top - 36), name, font=_font(13), fill=INK, anchor="lm")
    step = _nice_step(max((uploads for _, uploads, _ in days), default=0))
    top_value = step * max(math.ceil(max((u for _, u, _ in days), default=0) / step), 1)
    _draw_axes(image, draw, top_value, step)
    if not days:
        return
    slot = (right - left) / len(days)
    bar = max(slot * 0.38, 1)
    label_every = math.ceil(len(days) / 10)
    for index, (day, uploads, live) in enumerate(days):
        x = left + index * slot + slot / 2
        for value, colour, x0 in ((uploads, UPLOADS_COLOUR, x - bar), (live, LIVE_COLOUR, x)):
            if value:
                height = (bottom - top) * value / top_value
                draw.rectangle((round(x0), round(bottom - height), round(x0 + bar) - 1, bottom - 1), fill=colour)
        if index % label_every == 0 or index == len(days) - 1:
            draw.line((x, bottom, x, bottom + 4), fill=INK)
            draw.text((x, bottom + 8), day.strftime("%m-%d"), font=_font(12), fill=MUTED, anchor="mt")


def render_funnel_chart(stages: Sequence[tuple[str, int]], days: Sequence[tuple[date, int, int]],
                        title: str) -> bytes:
    """A WIDTH × HEIGHT PNG. `stages`: (stage, count) from uploads to live; `days`: (upload day,
    uploads, live) in order, every day of the window (zeros included). Keep `title` plain ASCII:
    the bundled font has no dashes or arrows."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, 28), title, font=_font(20), fill=INK, anchor="lm")
    _draw_funnel(draw, stages)
    _draw_daily(image, draw, days)
    # A 64-colour palette: the flat fills and anti-aliased text survive, the PNG is a third the size.
    out = io.BytesIO()
    image.quantize(64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, format="PNG",
                                                                                          optimize=True)
    return out.getvalue()
