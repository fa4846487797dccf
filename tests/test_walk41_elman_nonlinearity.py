"""A torch.nn.RNN user's ``nonlinearity=`` given to ``rnnkit.Recurrent("rnn_tanh", ...)``: it was refused as an
unknown option with no word of where the nonlinearity is chosen; the refusal now says it is the cell's name (and
that ``rnnkit.RNN`` takes the keyword)."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.cells import UnknownCellOption


@pytest.mark.parametrize("cell", ["rnn_tanh", "rnn_relu"])
def test_nonlinearity_given_to_an_elman_cell_says_where_it_is_chosen(cell: str) -> None:
    with pytest.raises(UnknownCellOption, match="unexpected keyword argument 'nonlinearity'") as refused:
        rnnkit.Recurrent(cell, 3, 4, nonlinearity="relu")
    assert "nonlinearity is its cell's name, 'rnn_tanh' or 'rnn_relu'" in str(refused.value)
    assert "rnnkit.RNN takes nonlinearity=" in str(refused.value)
    assert rnnkit.RNN(3, 4, nonlinearity="relu").cell == "rnn_relu"  # the drop-in takes it, as torch.nn.RNN


def test_another_cells_unknown_keyword_gets_no_such_hint() -> None:
    with pytest.raises(UnknownCellOption) as refused:
        rnnkit.Recurrent("lstm", 3, 4, nonlinearity="relu")
    assert "cell's name" not in str(refused.value)
    assert isinstance(rnnkit.Recurrent("rnn_relu", 3, 4)(torch.zeros(2, 3))[0], torch.Tensor)


def test_torch_nn_arguments_in_the_cells_place_say_what_goes_there() -> None:
    """``Recurrent(8, 32, 2)`` as ``torch.nn.LSTM(8, 32, 2)`` was 'unknown cell 8', and ``Recurrent("LSTM", ...)``
    (torch's mode) 'unknown cell 'LSTM'', with the names and no word of the mistake."""
    with pytest.raises(ValueError, match=r"unknown cell 8; .*Recurrent takes the cell's name first, "
                                         r"Recurrent\('lstm', input_size, hidden_size, \.\.\.\)"):
        rnnkit.Recurrent(8, 32, 2)
    with pytest.raises(ValueError, match=r"unknown cell 'GRU'; expected one of: .* \(did you mean 'gru'\?\)$"):
        rnnkit.Recurrent("GRU", 8, 32)
    with pytest.raises(ValueError, match=r"unknown cell 'transformer'; expected one of: [a-z_, ]+$"):
        rnnkit.Recurrent("transformer", 8, 32)
