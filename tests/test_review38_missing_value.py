"""``check_texts`` (every ``predict``/``score`` of the Python API) names a missing value among the texts (fixp's
``is_missing``, NumPy's float32 NaN too); it asked ``math.isnan`` of every real number, so an int past a float's
range (``predict(["a", 10**400])``) or such a Fraction raised OverflowError from inside the check, where a list
holding any other int is the TypeError saying what the method takes (review38)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from rnnkit.errors import check_texts, is_missing


@pytest.mark.parametrize("item", [10**400, Fraction(10**400), -(10**400)], ids=["int", "Fraction", "negative"])
def test_a_huge_number_among_the_texts_is_the_usual_type_error(item: object) -> None:
    with pytest.raises(TypeError, match=r"predict takes a text or a list of texts, not a list holding "):
        check_texts("predict", ["a", item])
    assert not is_missing(item)


@pytest.mark.parametrize("item", [float("nan"), np.float32("nan"), np.float16("nan"), np.float64("nan")])
def test_a_nan_of_any_float_type_is_still_missing(item: object) -> None:
    assert is_missing(item)
    assert not is_missing(np.float32(1.5)) and not is_missing(3)
