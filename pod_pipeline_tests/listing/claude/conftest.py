from __future__ import annotations

import io

import anthropic
import pytest
from PIL import Image

from pod_pipeline_tests.listing.claude.fake_api import FakeAnthropic

MODEL = "claude-haiku-5-5"


@pytest.fixture(scope="session")
def big_preview() -> bytes:
    """A preview larger than the 1568 px the API needs, so downscaling is exercised."""
    image = Image.new("RGB", (3000, 2000), (235, 130, 40))
    for x in range(0, 3000, 50):
        image.paste((30, 60, 160), (x, 0, x + 20, 2000))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def fake():
    with FakeAnthropic({MODEL: "active", "claude-sonnet-4-5": "deprecated", "claude-3-haiku-20240307": "retired"}) as api:
        yield api


@pytest.fixture
def client(fake: FakeAnthropic) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="test", base_url=fake.base_url, max_retries=2, timeout=10)
