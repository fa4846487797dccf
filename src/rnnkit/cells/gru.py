"""Gated recurrent unit (Cho et al. 2014), torch.nn.GRU's variant.

Rows of W_ih/W_hh are [reset, update, new] blocks; the reset gate multiplies (W_hn h + b_hn):
    r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.cells.base import Cell


class GRU(Cell):
    """GRU cell (``cell="gru"``)."""

    name = "gru"
    gates = 3
    torch_mode = "GRU"
    fused_kernel = "gru"

    @staticmethod  # reads nothing of the cell: rnnkit.export_loop compiles it with torch.jit.script
    def step(xw: Tensor, state: Tensor, weight_hh: Tensor, bias_hh: Tensor | None, t: int) -> Tensor:
        hw = F.linear(state, weight_hh, bias_hh)
        x_r, x_z, x_n = xw.chunk(3, dim=-1)
        h_r, h_z, h_n = hw.chunk(3, dim=-1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        return n + z * (state - n)
