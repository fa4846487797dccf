"""Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

torch.nn.LSTM's gate order and layout: rows of W_ih/W_hh are [input, forget, cell, output] blocks.
    i = σ(·), f = σ(·), g = tanh(·), o = σ(·);  c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
``forget_bias`` starts the forget gate's bias (split evenly over b_ih and b_hh, as their sum is what
counts) at a given value; 1.0 by default, as Jozefowicz et al. (2015) recommend. ``None`` keeps the
biases at ``bias_init``.

``chrono=T`` is the chrono initialisation of Tallec & Ollivier (2018, "Can recurrent neural networks
warp time?"): each unit's forget bias is drawn as log(u), u ~ Uniform(1, T - 1), and its input-gate bias
set to the negative of it, so the units start with memory time scales spread between 1 and T steps
(T = the longest dependency expected, e.g. the sequence length). It replaces ``forget_bias``: a value of it other
than the default 1.0 (or None) beside ``chrono`` is refused, as it would have no effect.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.cells.base import Cell
from rnnkit.errors import whole_number


class LSTM(Cell):
    """LSTM cell (``cell="lstm"``); the state is ``(h, c)``."""

    name = "lstm"
    gates = 4
    torch_mode = "LSTM"
    has_cell_state = True
    fused_kernel = "lstm"
    initial_options = (*Cell.initial_options, "forget_bias", "chrono")
    bias_options = (*Cell.bias_options, "forget_bias", "chrono")

    def __init__(
        self,
        hidden_size: int,
        forget_bias: float | None = 1.0,
        init_ih: str = "xavier_uniform",
        init_hh: str = "orthogonal",
        bias_init: float = 0.0,
        chrono: int | None = None,
    ) -> None:
        super().__init__(hidden_size, init_ih=init_ih, init_hh=init_hh, bias_init=bias_init)
        if chrono is not None and (not whole_number(chrono) or chrono < 3):
            raise ValueError(f"chrono: expected the longest time scale in steps, an integer >= 3, got {chrono!r}")
        if chrono is not None and forget_bias is not None and forget_bias != 1.0:  # 1.0: the default (and LE2015's)
            raise ValueError(f"forget_bias={forget_bias!r} has no effect with chrono={chrono}, which draws the forget "
                             "gate's biases itself: give one of the two")
        self.forget_bias = forget_bias
        self.chrono = chrono

    @torch.no_grad()
    def reset_parameters(
        self, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None
    ) -> None:
        super().reset_parameters(weight_ih, weight_hh, bias_ih, bias_hh)
        h = self.hidden_size
        biases = [b for b in (bias_ih, bias_hh) if b is not None]
        if self.chrono is not None and biases:
            # all of it on the first bias vector, the other's gate blocks at zero
            forget = torch.log(torch.empty(h, dtype=biases[0].dtype).uniform_(1.0, self.chrono - 1.0))
            for b in biases:
                b[: 2 * h] = 0.0
            biases[0][:h] = -forget
            biases[0][h : 2 * h] = forget
        elif self.forget_bias is not None:
            for b in biases:
                b[h : 2 * h] = self.forget_bias / len(biases)

    def options(self) -> dict[str, Any]:
        opts = {**super().options(), "forget_bias": self.forget_bias}
        if self.chrono is not None:
            opts["chrono"] = self.chrono
        return opts

    @classmethod
    def loadable_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        """A ``forget_bias`` beside ``chrono`` left out: chrono drew the forget gate's biases over it, and it was
        taken until it was refused."""
        if options.get("chrono") is None:
            return options
        return {k: v for k, v in options.items() if k != "forget_bias"}

    @staticmethod  # reads nothing of the cell: rnnkit.export_loop compiles it with torch.jit.script
    def step(
        xw: Tensor, state: tuple[Tensor, Tensor], weight_hh: Tensor, bias_hh: Tensor | None, t: int
    ) -> tuple[Tensor, Tensor]:
        h, c = state
        gates = xw + F.linear(h, weight_hh, bias_hh)
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c
