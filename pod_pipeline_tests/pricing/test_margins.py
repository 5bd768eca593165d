from decimal import Decimal as D

import pytest

from pod_pipeline_tests.pricing.helpers import TEMPLATE, seller


@pytest.mark.parametrize("template_margin, by_type, expected", [
    (None, {}, D("0.30")),                      # the default
    (None, {"Poster": "0.25"}, D("0.25")),      # the product type's
    ("0.45", {"Poster": "0.25"}, D("0.45")),    # the template's own wins
])
def test_margin_per_template_or_product_type(template_margin, by_type, expected):
    choice = {"id": TEMPLATE, **({"margin": template_margin} if template_margin else {})}
    s = seller(templates=[choice], margins_by_product_type=by_type)
    assert s.margin_for(TEMPLATE, "Poster") == expected


def test_margin_and_fees_must_leave_room():
    with pytest.raises(ValueError, match="must be below 1"):
        seller(margin="0.95")
