"""A pandas column with an empty cell (NaN) given to ``predict``: it said "not a Series holding float", naming
neither the row nor what a float was doing there; it now names the place and the missing value."""

from __future__ import annotations

import io
import math

import pytest

from rnnkit.errors import check_texts


@pytest.mark.parametrize("missing", [math.nan, None])
def test_a_missing_value_is_named_by_its_place(missing: object) -> None:
    with pytest.raises(TypeError, match=r"^predict takes a text or a list of texts, not a list holding \w+: "
                                        r"texts\[2\] is (nan|None), a missing value \(pandas reads an empty cell "
                                        r"as NaN\): leave those rows out"):
        check_texts("predict", ["a call", "another", missing])


def test_another_type_is_named_by_its_place_without_the_pandas_hint() -> None:
    with pytest.raises(TypeError) as caught:
        check_texts("predict", ["a call", 5])
    assert str(caught.value) == "predict takes a text or a list of texts, not a list holding int: texts[1] is 5"


def test_a_pandas_series_with_an_empty_cell() -> None:
    pandas = pytest.importorskip("pandas")
    texts = pandas.read_csv(io.StringIO("text,label\n엄마 저녁,normal\n,normal\n"))["text"]
    with pytest.raises(TypeError, match=r"not a Series holding float: texts\[1\] is nan, a missing value"):
        check_texts("predict", texts)
