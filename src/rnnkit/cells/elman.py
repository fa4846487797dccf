"""Elman RNN (tanh or ReLU) and the IRNN preset.

h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act = tanh or relu; torch.nn.RNN's layout.
The IRNN (Le, Jaitly & Hinton 2015) is the ReLU Elman cell started with W_hh = identity (optionally
scaled), zero biases and input weights drawn from N(0, 0.001²): a preset of initial values, the same math.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.cells.base import Cell


class ElmanTanh(Cell):
    """Elman RNN with tanh: the textbook recurrent net (``cell="rnn_tanh"``)."""

    name = "rnn_tanh"
    gates = 1
    torch_mode = "RNN_TANH"
    fused_kernel = "rnn_tanh"

    @staticmethod  # reads nothing of the cell: rnnkit.export_loop compiles it with torch.jit.script
    def step(xw: Tensor, state: Tensor, weight_hh: Tensor, bias_hh: Tensor | None, t: int) -> Tensor:
        return torch.tanh(xw + F.linear(state, weight_hh, bias_hh))


class ElmanReLU(Cell):
    """Elman RNN with ReLU (``cell="rnn_relu"``)."""

    name = "rnn_relu"
    gates = 1
    torch_mode = "RNN_RELU"
    fused_kernel = "rnn_relu"

    @staticmethod  # reads nothing of the cell: rnnkit.export_loop compiles it with torch.jit.script
    def step(xw: Tensor, state: Tensor, weight_hh: Tensor, bias_hh: Tensor | None, t: int) -> Tensor:
        return torch.relu(xw + F.linear(state, weight_hh, bias_hh))


class IRNN(ElmanReLU):
    """IRNN preset (``cell="irnn"``): ReLU Elman cell, W_hh = scale·I, zero biases, W_ih ~ N(0, std²)."""

    name = "irnn"
    initial_options = ("identity_scale", "input_std")
    bias_options = ()  # its biases start at zero whatever is given

    def __init__(self, hidden_size: int, identity_scale: float = 1.0, input_std: float = 0.001) -> None:
        super().__init__(
            hidden_size,
            init_ih=f"gaussian(std={input_std!r})",
            init_hh=f"identity(scale={identity_scale!r})",
            bias_init=0.0,
        )
        self.identity_scale = identity_scale
        self.input_std = input_std

    def options(self) -> dict[str, Any]:
        return {"identity_scale": self.identity_scale, "input_std": self.input_std}
