"""rnnkit.cells.make_cell and rnnkit.cells.le2015: what an unknown cell, an unknown keyword and an option of the wrong
kind are told (mutation audit round 19)."""

from __future__ import annotations

import pytest

from rnnkit.cells import CELLS, UnknownCellOption, le2015, make_cell


def test_an_unknown_cell_is_told_every_cell_there_is() -> None:
    for refuse in (lambda: make_cell("elman", 4), lambda: le2015("elman")):
        with pytest.raises(ValueError) as caught:
            refuse()
        assert str(caught.value) == f"unknown cell 'elman'; expected one of: {', '.join(CELLS)}"


def test_the_first_unknown_keyword_is_the_one_named() -> None:
    with pytest.raises(UnknownCellOption, match=r"^cell 'gru': unexpected keyword argument 'foo' \(its options: "):
        make_cell("gru", 4, foo=1, bar=2)


def test_an_option_of_the_wrong_kind_is_a_value_error_naming_the_cell() -> None:
    """``periods=5`` (no list) failed inside the cell with Python's TypeError; it is a refused option, a ValueError
    as every other, saying which cell refused it and which option."""
    with pytest.raises(ValueError, match=r"^cell 'clockwork': periods 5: expected a list of integers$") as caught:
        make_cell("clockwork", 8, periods=5)
    assert not isinstance(caught.value, TypeError)
