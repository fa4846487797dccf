"""``Recurrent.step()`` raised ValueError for an input of the wrong width, where ``forward`` (as torch.nn.LSTM) and
torch.nn.LSTMCell raise RuntimeError for the same mistake: a caller's ``except RuntimeError`` written against torch
missed it. Another width is now a RuntimeError (the message kept); another number of dimensions stays a ValueError,
as torch's is."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Recurrent


@pytest.mark.parametrize("cell", ["lstm", "gru", "clockwork"])
def test_a_wrong_width_is_the_runtime_error_forward_raises(cell: str) -> None:
    layer = Recurrent(cell, 3, 4)
    with pytest.raises(RuntimeError, match="input_size"):
        layer(torch.zeros(2, 5, 7))  # the judge: forward's type
    with pytest.raises(RuntimeError, match="input_size"):
        torch.nn.LSTMCell(3, 4)(torch.zeros(2, 7))  # and torch's one-step cell's
    with pytest.raises(RuntimeError, match=r"step\(\) takes input of shape \(batch, 3\), got \(2, 7\)"):
        layer.step(torch.zeros(2, 7))


def test_a_wrong_number_of_dimensions_stays_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"step\(\) takes input of shape \(batch, 3\), got \(2, 5, 3\)"):
        Recurrent("lstm", 3, 4).step(torch.zeros(2, 5, 3))
