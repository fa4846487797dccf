"""``predict``/``score``/``translate`` given a list holding a non-text name the item (walk40), but printed all of it:
a tokenised document (a list of 2,000 tokens) or a document's bytes made a TypeError of 14,000 or 5,000 characters.
The item is now shown shortened, as ``reprlib`` shows it; and pandas' other missing value, ``pd.NA`` (a ``string``
column's empty cell), gets the missing-value hint that NaN and None get."""

from __future__ import annotations

import io

import pytest

from rnnkit.errors import check_texts


@pytest.mark.parametrize("item", [["tok"] * 2000, b"x" * 5000])
def test_a_long_item_is_shown_shortened(item: object) -> None:
    with pytest.raises(TypeError, match=r"texts\[1\] is ") as caught:
        check_texts("predict", ["a call", item])
    assert len(str(caught.value)) < 200


def test_a_short_item_is_shown_whole() -> None:
    with pytest.raises(TypeError) as caught:
        check_texts("predict", ["a call", 5])
    assert str(caught.value) == "predict takes a text or a list of texts, not a list holding int: texts[1] is 5"


def test_a_pandas_string_column_with_an_empty_cell() -> None:
    pandas = pytest.importorskip("pandas")
    texts = pandas.read_csv(io.StringIO("text,label\n엄마 저녁,normal\n,normal\n"), dtype="string")["text"]
    with pytest.raises(TypeError, match=r"texts\[1\] is <NA>, a missing value \(pandas reads an empty cell"):
        check_texts("predict", texts)
