"""Gaps a mutation audit of :mod:`rnnkit.cells.gru` found (round 12): the step written out against
``torch.nn.GRUCell`` (the gate order [r, z, n], the reset gate on W_hn h + b_hn, the update's direction), and the
names the cell gives to torch's layouts and to the fused kernel."""

from __future__ import annotations

import pytest
import torch

from rnnkit.cells import CELLS
from rnnkit.cells.gru import GRU

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_step_is_torch_s_gru_cell() -> None:
    torch.manual_seed(0)
    ref = torch.nn.GRUCell(3, 4)
    with torch.no_grad():
        ref.bias_hh.uniform_(-2, 2)   # a bias b_hn well away from b_in's, so r ⊙ (W_hn h + b_hn) shows
    x, h = torch.randn(5, 3), torch.randn(5, 4)
    with torch.no_grad():
        got = GRU.step(torch.nn.functional.linear(x, ref.weight_ih, ref.bias_ih), h, ref.weight_hh, ref.bias_hh, 0)
        torch.testing.assert_close(got, ref(x, h))


def test_the_gru_is_torch_s_gru_layout_with_its_fused_kernel() -> None:
    assert CELLS["gru"] is GRU
    assert (GRU.gates, GRU.torch_mode, GRU.fused_kernel) == (3, "GRU", "gru")
