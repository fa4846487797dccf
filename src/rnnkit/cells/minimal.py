"""minGRU and minLSTM (Feng, Tung, Ahmed, Bengio & Hajimirsadeghi 2024, "Were RNNs All We Needed?").

Their gates read the input x_t only, never h_{t-1}, so every step is a linear recurrence
    h_t = a_t ⊙ h_{t-1} + b_t,   a_t, b_t functions of x_t alone,
and the layer has no W_hh (``weight_hh``/``bias_hh`` are absent; ``weight_ih`` holds the gate blocks):

- minGRU, rows [z, h]:  z = σ(·), h̃ = g(·);  h_t = (1 − z) ⊙ h_{t-1} + z ⊙ h̃
- minLSTM, rows [f, i, h]:  f = σ(·), i = σ(·), h̃ = g(·), f' = f / (f + i), i' = i / (f + i);
  h_t = f' ⊙ h_{t-1} + i' ⊙ h̃

with the paper's g(x) = x + 0.5 for x ≥ 0 and σ(x) below (its log-space version: it keeps h̃ > 0, so
b_t > 0 and log b_t exists). ``step`` is that math, one step at a time (sampling, decoding, and the
reference). ``sequence`` solves all t at once with the log-space parallel scan of Heinsen (2023,
"Efficient parallelization of a ubiquitous sequential computation"):
    a*_t = Σ_{s≤t} log a_s,   h_t = exp(a*_t) ⊙ h_0 + exp(a*_t + logcumsumexp_t(log b_t − a*_t)),
one cumsum and one logcumsumexp over time in place of T dependent steps. The carried state h_0 enters as
its own term, so it may be zero or negative (the paper's form takes log h_0). In float32, a*_t loses
about |a*_t|·1e-7 of absolute precision: over a few thousand strongly forgetting steps the scan and the
loop part in the fourth or fifth digit.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.cells.base import Cell
from rnnkit.init import initialize_


def g(x: Tensor) -> Tensor:
    """The paper's positive activation for the candidate state: x + 0.5 for x ≥ 0, σ(x) below."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def log_g(x: Tensor) -> Tensor:
    """log g(x), computed without leaving log space (the relu keeps the unused branch finite)."""
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), -F.softplus(-x))


def linear_scan(log_a: Tensor, log_b: Tensor, h0: Tensor) -> Tensor:
    """h_t = a_t ⊙ h_{t-1} + b_t for every t at once (time on dim 0), from log a_t, log b_t (T, B, H)
    and h_0 (B, H) of any sign: Heinsen's log-space scan, h_0's contribution added on its own."""
    a_star = torch.cumsum(log_a, dim=0)
    return torch.exp(a_star + torch.logcumsumexp(log_b - a_star, dim=0)) + torch.exp(a_star) * h0


class _Minimal(Cell):
    """A cell whose step is h_t = a_t ⊙ h_{t-1} + b_t with a_t, b_t from x_t: no W_hh, a parallel scan."""

    torch_mode = "GRU"  # the closest torch.nn layout (gated); Recurrent gives the layer the cell's own shapes
    recurrent = False

    @torch.no_grad()
    def reset_parameters(
        self, weight_ih: Tensor, weight_hh: Tensor | None, bias_ih: Tensor | None, bias_hh: Tensor | None
    ) -> None:
        h = self.hidden_size
        for k in range(self.gates):
            initialize_(weight_ih[k * h : (k + 1) * h], self.init_ih)
        if bias_ih is not None:
            bias_ih.fill_(self.bias_init)

    def log_coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        """log a_t and log b_t of every step from the input projections ``xw`` (..., gates·H)."""
        raise NotImplementedError

    def sequence(
        self, xw: Tensor, state: Tensor, weight_hh: Tensor | None, bias_hh: Tensor | None, mask: Tensor | None,
        offset: int,
    ) -> tuple[Tensor, Tensor]:
        """The whole sequence by the parallel scan. Steps past a length do not change the scan before
        them, so the final state is taken at each sequence's last step and the padding's output is 0."""
        dtype = xw.dtype
        if dtype in (torch.float16, torch.bfloat16):  # logcumsumexp over hundreds of steps needs float32
            xw, state = xw.float(), state.float()
        log_a, log_b = self.log_coefficients(xw)
        h = linear_scan(log_a, log_b, state)
        if mask is None:
            final = h[-1]
        else:
            last = (mask.sum(0) - 1).view(1, -1, 1).expand(1, *h.shape[1:])  # (1, B, H): each one's last step
            final = h.gather(0, last)[0]
            h = torch.where(mask, h, 0.0)
        return h.to(dtype), final.to(dtype)


class MinGRU(_Minimal):
    """minGRU cell (``cell="mingru"``): an update gate and a candidate, both from x_t; the state is h."""

    name = "mingru"
    gates = 2

    def step(self, xw: Tensor, state: Tensor, weight_hh: Tensor | None, bias_hh: Tensor | None, t: int) -> Tensor:
        k, m = xw.chunk(2, dim=-1)
        z = torch.sigmoid(k)
        return (1 - z) * state + z * g(m)

    def log_coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        k, m = xw.chunk(2, dim=-1)
        return -F.softplus(k), -F.softplus(-k) + log_g(m)  # log(1 − z), log z + log g(h̃)


class MinLSTM(_Minimal):
    """minLSTM cell (``cell="minlstm"``): forget and input gates from x_t, normalised to sum to one."""

    name = "minlstm"
    gates = 3

    def step(self, xw: Tensor, state: Tensor, weight_hh: Tensor | None, bias_hh: Tensor | None, t: int) -> Tensor:
        kf, ki, m = xw.chunk(3, dim=-1)
        f, i = torch.sigmoid(kf), torch.sigmoid(ki)
        return f / (f + i) * state + i / (f + i) * g(m)

    def log_coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        kf, ki, m = xw.chunk(3, dim=-1)
        diff = F.softplus(-kf) - F.softplus(-ki)  # log i − log f
        return -F.softplus(diff), -F.softplus(-diff) + log_g(m)  # log f', log i' + log g(h̃)
