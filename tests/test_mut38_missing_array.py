"""``is_missing`` asks "not itself?" of real numbers alone (mut38): a NumPy array or a pandas-like object among
the texts (``predict([np.array([1.0, 2.0])])``) is the TypeError naming its type, not numpy's "truth value of an
array is ambiguous" raised from the inequality of an array with itself."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import check_texts, is_missing


def test_an_array_among_the_texts_is_the_usual_type_error() -> None:
    item = np.array([1.0, float("nan")])
    assert not is_missing(item)
    with pytest.raises(TypeError, match=r"not a list holding ndarray: texts\[1\] is array"):
        check_texts("predict", ["a", item])
