"""The funnel chart: a PNG of the promised size, small, the same bytes for the same figures,
and drawn from the figures (different counts, different picture)."""

import io
from datetime import date, timedelta

from PIL import Image

from pod_pipeline.catalog.funnel_chart import HEIGHT, LIVE_COLOUR, PLOT, UPLOADS_COLOUR, WIDTH, _nice_step, render_funnel_chart

STAGES = [("uploads", 1234), ("printable", 1100), ("copy_written", 1080), ("priced", 1075), ("published", 1000),
          ("live", 950)]
DAYS = [(date(2026, 11, 1) + timedelta(days=n), 10 + n % 7 * 5, n % 7 * 3) for n in range(30)]


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_the_chart_is_a_small_png_of_the_promised_size_and_deterministic():
    png = render_funnel_chart(STAGES, DAYS, "Upload funnel, last 30 days (UTC)")
    assert decoded(png).size == (WIDTH, HEIGHT)
    assert len(png) < 50_000
    assert render_funnel_chart(STAGES, DAYS, "Upload funnel, last 30 days (UTC)") == png
    assert render_funnel_chart(STAGES[:5] + [("live", 10)], DAYS, "Upload funnel, last 30 days (UTC)") != png


def test_the_daily_bars_are_drawn_to_scale_in_their_colours():
    days = [(date(2026, 11, 1), 40, 0), (date(2026, 11, 2), 0, 20)]  # axis to 40: live reaches half way
    image = decoded(render_funnel_chart(STAGES, days, "t"))
    left, top, right, bottom = PLOT
    slot = (right - left) / 2

    def column(x: float, colour: str) -> int:
        return sum(image.getpixel((round(x), y)) == rgb(colour) for y in range(top - 2, bottom + 1))

    uploads_height = column(left + slot / 2 - 5, UPLOADS_COLOUR)
    assert abs(uploads_height - (bottom - top)) <= 2
    assert abs(column(left + 1.5 * slot + 5, LIVE_COLOUR) - (bottom - top) / 2) <= 2
    assert column(left + slot / 2 + 5, LIVE_COLOUR) == 0  # no live artwork on the first day


def test_an_empty_window_still_draws_and_axis_steps_are_round():
    assert decoded(render_funnel_chart([(s, 0) for s, _ in STAGES], [], "nothing yet")).size == (WIDTH, HEIGHT)
    assert [_nice_step(n) for n in (0, 3, 9, 40, 130, 2600)] == [1, 1, 5, 10, 50, 1000]
