from __future__ import annotations

import pytest

from pod_pipeline.artwork import ArtworkRejected, inspect_artwork, process_artwork
from pod_pipeline.settings import PrintRules


@pytest.fixture
def rules() -> PrintRules:
    return PrintRules()


@pytest.fixture
def rejection():
    """Run both entry points on a file and return the (identical) rejection they raise."""

    def run(path, rules: PrintRules | None = None) -> ArtworkRejected:
        rules = rules or PrintRules()
        with pytest.raises(ArtworkRejected) as processed:
            process_artwork(path, rules)
        with pytest.raises(ArtworkRejected) as inspected:
            inspect_artwork(path, rules)
        assert (inspected.value.code, inspected.value.reason) == (processed.value.code, processed.value.reason)
        return processed.value

    return run
