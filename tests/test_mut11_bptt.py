"""Gaps a mutation audit of :mod:`rnnkit.bptt` found (round 11), judged by torch.nn: its LSTM, GRU and RNN run on the
same weights, and autograd through them."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from rnnkit.bptt import lstm_sequence

pytestmark = pytest.mark.usefixtures("one_torch_thread")

F64 = torch.float64


def torch_lstm(hidden: int = 3, inp: int = 2, seed: int = 0, dtype: torch.dtype = F64) -> nn.LSTM:
    torch.manual_seed(seed)
    return nn.LSTM(inp, hidden).to(dtype)


def hoisted(lstm: nn.LSTM, x: Tensor) -> Tensor:
    """x W_ih^T + b_ih + b_hh: the ``xg`` that :func:`lstm_sequence` takes."""
    return x @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + lstm.bias_hh_l0


def test_by_default_the_callers_xg_is_left_as_it_was_and_the_outputs_are_torch_lstms() -> None:
    """``consume_xg`` is off unless asked for: the gate activations go to a buffer of their own, not over ``xg``."""
    lstm = torch_lstm()
    x, h0, c0 = torch.randn(4, 2, 2, dtype=F64), torch.randn(2, 3, dtype=F64), torch.randn(2, 3, dtype=F64)
    with torch.no_grad():
        xg = hoisted(lstm, x)
        before = xg.clone()
        out, (h, c) = lstm_sequence(xg, h0, c0, lstm.weight_hh_l0)
        want, (h_want, c_want) = lstm(x, (h0[None], c0[None]))
    assert torch.equal(xg, before)
    torch.testing.assert_close(out, want)
    torch.testing.assert_close(h, h_want[0])
    torch.testing.assert_close(c, c_want[0])

