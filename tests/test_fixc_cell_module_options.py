"""``rnnkit.cells.make_cell_module`` refuses a cell option it would leave unused, as :class:`rnnkit.Recurrent` does:
``bias=False`` with ``forget_bias`` (or ``chrono``, ``bias_init``) built the cell without biases and dropped the
option unsaid, and so did minGRU and minLSTM (no weight_hh) with ``init_hh``."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Recurrent
from rnnkit.cells import make_cell_module


@pytest.mark.parametrize("option", [{"forget_bias": 2.0}, {"chrono": 5}, {"bias_init": 0.5}])
def test_bias_false_refuses_an_option_of_the_biases(option: dict) -> None:
    (name, value), = option.items()
    with pytest.raises(ValueError, match=rf"^{name}={value!r} has no effect with bias=False") as cell_error:
        make_cell_module("lstm", 3, 4, bias=False, **option)
    with pytest.raises(ValueError) as layer_error:
        Recurrent("lstm", 3, 4, bias=False, **option)
    assert str(cell_error.value) == str(layer_error.value)  # one check, one wording


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_a_cell_without_recurrent_weights_refuses_init_hh(cell: str) -> None:
    with pytest.raises(ValueError, match=rf"^init_hh='identity' has no effect with cell {cell!r}, which has no "
                                         r"recurrent weights \(weight_hh\)"):
        make_cell_module(cell, 3, 4, init_hh="identity")


def test_the_options_a_cell_uses_are_still_taken() -> None:
    lstm = make_cell_module("lstm", 3, 4, forget_bias=2.0)
    torch.testing.assert_close(lstm.bias_hh[4:8] + lstm.bias_ih[4:8], torch.full((4,), 2.0))
    assert make_cell_module("lstm", 3, 4, bias=False, init_hh="identity").bias_ih is None
    assert make_cell_module("mingru", 3, 4, init_ih="xavier_uniform").weight_hh is None
