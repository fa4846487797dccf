"""rnnkit.cells.checked_options: a cell option of a kind a user computes (a range of periods, a 0-d tensor, a tensor
of periods) is taken as the Python value it stands for, as NumPy's are, so a model's config.json can store it
(mutation audit round 19b)."""

from __future__ import annotations

import json

import pytest
import torch

import rnnkit

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_torch_numbers_and_tensors_are_taken_as_python_values() -> None:
    lstm = rnnkit.Recurrent("lstm", 3, 4, forget_bias=torch.tensor(2.0))
    assert json.dumps(lstm.cell_def.options())  # no tensor left in it
    assert type(lstm.cell_def.options()["forget_bias"]) is float
    assert torch.allclose(lstm.bias_hh_l0[4:8], torch.full((4,), 1.0))  # 2.0 split over the two biases
    clock = rnnkit.Recurrent("clockwork", 3, 4, cell_options={"periods": torch.tensor([1, 3])})
    assert clock.cell_def.periods == [1, 3]


def test_a_range_of_periods_is_taken_as_its_list() -> None:
    """``periods=range(1, 4)`` built the clock of ``[1, 2, 3]`` before the options were checked by their type; the
    check refused it as no list of integers."""
    clock = rnnkit.Recurrent("clockwork", 3, 6, periods=range(1, 4))
    assert clock.cell_def.periods == [1, 2, 3]
    assert json.dumps(clock.cell_def.options())
