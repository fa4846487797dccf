"""Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

torch.nn.LSTM's gate order and layout: rows of W_ih/W_hh are [input, forget, cell, output] blocks.
    i = σ(·), f = σ(·), g = tanh(·), o = σ(·);  c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
``forget_bias`` starts the forget gate's bias (split evenly over b_ih and b_hh, as their sum is what
counts) at a given value; 1.0 by default, as Jozefowicz et al. (2015) recommend. ``None`` keeps the
biases at ``bias_init``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.cells.base import Cell


class LSTM(Cell):
    """LSTM cell (``cell="lstm"``); the state is ``(h, c)``."""

    name = "lstm"
    gates = 4
    torch_mode = "LSTM"
    has_cell_state = True
    fused_kernel = "lstm"

    def __init__(
        self,
        hidden_size: int,
        forget_bias: float | None = 1.0,
        init_ih: str = "xavier_uniform",
        init_hh: str = "orthogonal",
        bias_init: float = 0.0,
    ) -> None:
        super().__init__(hidden_size, init_ih=init_ih, init_hh=init_hh, bias_init=bias_init)
        self.forget_bias = forget_bias

    @torch.no_grad()
    def reset_parameters(
        self, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None
    ) -> None:
        super().reset_parameters(weight_ih, weight_hh, bias_ih, bias_hh)
        if self.forget_bias is not None:
            h = self.hidden_size
            biases = [b for b in (bias_ih, bias_hh) if b is not None]
            for b in biases:
                b[h : 2 * h] = self.forget_bias / len(biases)

    def options(self) -> dict[str, Any]:
        return {**super().options(), "forget_bias": self.forget_bias}

    def step(
        self, xw: Tensor, state: tuple[Tensor, Tensor], weight_hh: Tensor, bias_hh: Tensor | None, t: int
    ) -> tuple[Tensor, Tensor]:
        h, c = state
        gates = xw + F.linear(h, weight_hh, bias_hh)
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c
