"""rnnkit.cells.checked_options: a cell option of a kind a user computes (a range of periods) is taken as the Python
value it stands for (mutation audit round 19b)."""

from __future__ import annotations

import json

import pytest

import rnnkit

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_range_of_periods_is_taken_as_its_list() -> None:
    """``periods=range(1, 4)`` built the clock of ``[1, 2, 3]`` before the options were checked by their type; the
    check refused it as no list of integers."""
    clock = rnnkit.Recurrent("clockwork", 3, 6, periods=range(1, 4))
    assert clock.cell_def.periods == [1, 2, 3]
    assert json.dumps(clock.cell_def.options())
