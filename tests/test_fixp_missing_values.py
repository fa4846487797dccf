"""A missing value among the texts given to a method is named so, whatever its type: NumPy's float32 and float16 NaN
(a column of a float32 frame) were named by their type alone ("not a list holding float32"), as were pandas' NaT and
NumPy's; None, Python's NaN, np.float64's and pd.NA were already named."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from rnnkit.errors import check_texts, is_missing

MISSING = re.escape(", a missing value (pandas reads an empty cell as NaN)")


@pytest.mark.parametrize("value", [None, math.nan, np.float16("nan"), np.float32("nan"), np.float64("nan"),
                                   np.datetime64("NaT"), np.timedelta64("NaT")], ids=repr)
def test_every_missing_value_is_named_as_one(value: object) -> None:
    with pytest.raises(TypeError, match=r"texts\[1\] is .*" + MISSING):
        check_texts("predict", ["a film", value])


def test_pandas_missing_values_are_named_as_one() -> None:
    pd = pytest.importorskip("pandas")
    for value in (pd.NA, pd.NaT):
        with pytest.raises(TypeError, match=r"texts\[0\] is .*" + MISSING):
            check_texts("predict", [value])


@pytest.mark.parametrize("value", [0.5, np.float32(1.0), 3, True, np.datetime64("2024-01-01"), "nan", b"x"], ids=repr)
def test_a_value_that_is_there_is_not_called_missing(value: object) -> None:
    assert not is_missing(value)
