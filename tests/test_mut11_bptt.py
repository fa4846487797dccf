"""Gaps a mutation audit of :mod:`rnnkit.bptt` found (round 11), judged by torch.nn: its LSTM, GRU and RNN run on the
same weights, and autograd through them."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from rnnkit.bptt import elman_sequence, gru_sequence, lstm_sequence

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



def elman_by_hand(xg: Tensor, h: Tensor, w_hh: Tensor, relu: bool) -> Tensor:
    """h_t = act(xg_t + W_hh h_{t-1}), one Python step at a time in float64: the outputs (T, B, H)."""
    act = torch.relu if relu else torch.tanh
    outs = []
    for t in range(xg.shape[0]):
        h = act(xg[t].double() + h.double() @ w_hh.double().T)
        outs.append(h)
    return torch.stack(outs)


@pytest.mark.parametrize("relu", [True, False])
def test_under_bf16_autocast_the_elman_loop_runs_in_fp32_with_its_own_activation(relu: bool) -> None:
    """Under autocast the hoisted projection comes in bf16: the loop casts it and runs in fp32 (its backward runs
    outside autocast), with the ReLU or tanh it was asked for."""
    g = torch.Generator().manual_seed(2)
    xg = torch.randn(5, 2, 3, generator=g).to(torch.bfloat16)
    h0, w_hh = torch.randn(2, 3, generator=g), 0.5 * torch.randn(3, 3, generator=g)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out, h = elman_sequence(xg, h0, w_hh, relu)
    assert out.dtype == h.dtype == torch.float32
    want = elman_by_hand(xg, h0, w_hh, relu)
    torch.testing.assert_close(out.double(), want, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(h.double(), want[-1], rtol=1e-5, atol=1e-6)




def test_the_gru_loop_without_zoneout_is_torch_grus_forwards_and_backwards() -> None:
    """``gru_sequence`` with no keep factors (the layer always passes some; a direct call need not) is torch.nn.GRU:
    the outputs, the last state and the gradients of the input, the state and both recurrent parameters."""
    torch.manual_seed(1)
    gru = nn.GRU(2, 3).double()
    x = torch.randn(4, 2, 2, dtype=F64, requires_grad=True)
    h0 = torch.randn(2, 3, dtype=F64, requires_grad=True)
    out, h = gru_sequence(x @ gru.weight_ih_l0.T + gru.bias_ih_l0, h0, gru.weight_hh_l0, gru.bias_hh_l0)
    want, h_want = gru(x, h0[None])
    torch.testing.assert_close(out, want)
    torch.testing.assert_close(h, h_want[0])
    g = torch.Generator().manual_seed(2)
    w_out, w_h = torch.randn(out.shape, generator=g, dtype=F64), torch.randn(h.shape, generator=g, dtype=F64)
    leaves = (x, h0, gru.weight_hh_l0, gru.bias_hh_l0)
    got = torch.autograd.grad((out * w_out).sum() + (h * w_h).sum(), leaves)
    for a, b in zip(got, torch.autograd.grad((want * w_out).sum() + (h_want[0] * w_h).sum(), leaves), strict=True):
        torch.testing.assert_close(a, b)
