"""minGRU and minLSTM (Feng, Tung, Ahmed, Bengio & Hajimirsadeghi 2024, "Were RNNs All We Needed?").

Their gates read the input x_t only, never h_{t-1}, so every step is a linear recurrence
    h_t = a_t ⊙ h_{t-1} + b_t,   a_t, b_t functions of x_t alone,
and the layer has no W_hh (``weight_hh``/``bias_hh`` are absent; ``weight_ih`` holds the gate blocks):

- minGRU, rows [z, h]:  z = σ(·), h̃ = g(·);  h_t = (1 − z) ⊙ h_{t-1} + z ⊙ h̃
- minLSTM, rows [f, i, h]:  f = σ(·), i = σ(·), h̃ = g(·), f' = f / (f + i), i' = i / (f + i);
  h_t = f' ⊙ h_{t-1} + i' ⊙ h̃

with the paper's g(x) = x + 0.5 for x ≥ 0 and σ(x) below (its log-space version: it keeps h̃ > 0, so
b_t > 0 and log b_t exists). ``step`` is that math, one step at a time (sampling, decoding, and the
reference every fast path is tested against). ``sequence`` runs the whole sequence one of two ways,
chosen by the cell option ``scan``:

- ``"parallel"``: the log-space parallel scan of Heinsen (2023, "Efficient parallelization of a
  ubiquitous sequential computation"), every t at once:
      a*_t = Σ_{s≤t} log a_s,   h_t = exp(a*_t) ⊙ h_0 + exp(a*_t + logcumsumexp_t(log b_t − a*_t)).
  The carried state h_0 enters as its own term, so it may be zero or negative (the paper's form takes
  log h_0). In float32 a*_t loses about |a*_t|·1e-7 of absolute precision: over a few thousand strongly
  forgetting steps the scan and the loop part in the fourth or fifth digit.
- ``"sequential"``: a_t and b_t for every t in a few whole-sequence operations, then the recurrence
  itself as one fused multiply-add per step, forward and backward written out by hand (no autograd
  node per step); exact in linear space.
- ``"auto"`` (default): parallel on a GPU, sequential on the CPU. torch's CPU ``logcumsumexp`` is a
  scalar loop, over an order of magnitude slower per element than ``exp``, so on the CPU the scan
  costs more than the T small steps it replaces (``benchmarks/scan_vs_loop.py`` measures both).
"""

from __future__ import annotations

from typing import Any

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


class _SequentialScan(torch.autograd.Function):
    """h_t = a_t ⊙ h_{t-1} + b_t step by step (time on dim 0), with its backward written out: one fused
    multiply-add per step each way, instead of autograd's graph of T steps."""

    @staticmethod
    def forward(ctx: Any, a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
        out = torch.empty_like(b)
        h = h0
        for t in range(a.shape[0]):
            h = torch.addcmul(b[t], a[t], h, out=out[t])
        ctx.save_for_backward(a, h0, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        a, h0, out = ctx.saved_tensors
        total = torch.empty_like(grad)  # dL/dh_t through every later step: g_t = grad_t + a_{t+1} g_{t+1}
        total[-1] = grad[-1]
        for t in range(a.shape[0] - 2, -1, -1):
            torch.addcmul(grad[t], a[t + 1], total[t + 1], out=total[t])
        grad_a = torch.empty_like(total)  # dL/da_t = g_t ⊙ h_{t-1}, without a copy of the shifted states
        torch.mul(total[0], h0, out=grad_a[0])
        torch.mul(total[1:], out[:-1], out=grad_a[1:])
        return grad_a, total, a[0] * total[0]


SCANS = ("auto", "parallel", "sequential")


class _Minimal(Cell):
    """A cell whose step is h_t = a_t ⊙ h_{t-1} + b_t with a_t, b_t from x_t: no W_hh, a scan over time."""

    torch_mode = "GRU"  # the closest torch.nn layout (gated); Recurrent gives the layer the cell's own shapes
    recurrent = False

    def __init__(self, hidden_size: int, scan: str = "auto", init_ih: str = "xavier_uniform",
                 init_hh: str = "orthogonal", bias_init: float = 0.0) -> None:
        super().__init__(hidden_size, init_ih=init_ih, init_hh=init_hh, bias_init=bias_init)
        if scan not in SCANS:
            raise ValueError(f"scan must be one of {', '.join(SCANS)}, got {scan!r}")
        self.scan = scan

    def options(self) -> dict[str, Any]:
        return {**super().options(), "scan": self.scan}

    def step(self, xw: Tensor, state: Tensor, weight_hh: Tensor | None, bias_hh: Tensor | None, t: int) -> Tensor:
        a, b = self.coefficients(xw)
        return a * state + b

    @torch.no_grad()
    def reset_parameters(
        self, weight_ih: Tensor, weight_hh: Tensor | None, bias_ih: Tensor | None, bias_hh: Tensor | None
    ) -> None:
        h = self.hidden_size
        for k in range(self.gates):
            initialize_(weight_ih[k * h : (k + 1) * h], self.init_ih)
        if bias_ih is not None:
            bias_ih.fill_(self.bias_init)

    def coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        """a_t and b_t of h_t = a_t ⊙ h_{t-1} + b_t from the input projections ``xw`` (..., gates·H): the math."""
        raise NotImplementedError

    def log_coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        """log a_t and log b_t, computed in log space (the parallel scan's input)."""
        raise NotImplementedError

    def sequence(
        self, xw: Tensor, state: Tensor, weight_hh: Tensor | None, bias_hh: Tensor | None, mask: Tensor | None,
        offset: int,
    ) -> tuple[Tensor, Tensor]:
        """The whole sequence by the scan ``self.scan`` names. Steps past a length do not change the ones
        before them, so the final state is taken at each sequence's last step and the padding's output is 0."""
        dtype = xw.dtype
        if dtype in (torch.float16, torch.bfloat16):  # logcumsumexp over hundreds of steps needs float32
            xw, state = xw.float(), state.float()
        if self.scan == "parallel" or (self.scan == "auto" and xw.device.type == "cuda"):
            h = linear_scan(*self.log_coefficients(xw), state)
        else:
            h = _SequentialScan.apply(*self.coefficients(xw), state)
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

    def coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        k, m = xw.chunk(2, dim=-1)
        z = torch.sigmoid(k)
        return 1 - z, z * g(m)

    def log_coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        k, m = xw.chunk(2, dim=-1)
        return -F.softplus(k), -F.softplus(-k) + log_g(m)  # log(1 − z), log z + log g(h̃)


class MinLSTM(_Minimal):
    """minLSTM cell (``cell="minlstm"``): forget and input gates from x_t, normalised to sum to one."""

    name = "minlstm"
    gates = 3

    def coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        kf, ki, m = xw.chunk(3, dim=-1)
        f, i = torch.sigmoid(kf), torch.sigmoid(ki)
        return f / (f + i), i / (f + i) * g(m)

    def log_coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        kf, ki, m = xw.chunk(3, dim=-1)
        diff = F.softplus(-kf) - F.softplus(-ki)  # log i − log f
        return -F.softplus(diff), -F.softplus(-diff) + log_g(m)  # log f', log i' + log g(h̃)
