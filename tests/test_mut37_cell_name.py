"""Mutation round 37: a cell name given as a list names the one string inside it, and only a string: a list
of something else (``[4]``) is not shown as if ``4`` were the name it wanted."""

from __future__ import annotations

import pytest

from rnnkit.cells import make_cell


def test_a_list_without_a_string_names_no_candidate() -> None:
    with pytest.raises(ValueError) as caught:
        make_cell([4], 4)  # type: ignore[arg-type]
    assert str(caught.value).endswith("; a cell's name is one string, not a list")
