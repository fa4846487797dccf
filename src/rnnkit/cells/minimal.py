"""minGRU and minLSTM (Feng, Tung, Ahmed, Bengio & Hajimirsadeghi 2024, "Were RNNs All We Needed?").

Their gates read the input x_t only, never h_{t-1}, so every step is a linear recurrence
    h_t = a_t ⊙ h_{t-1} + b_t,   a_t, b_t functions of x_t alone,
and the layer has no W_hh (``weight_hh``/``bias_hh`` are absent; ``weight_ih`` holds the gate blocks):

- minGRU, rows [z, h]:  z = σ(·), h̃ = g(·);  h_t = (1 − z) ⊙ h_{t-1} + z ⊙ h̃
- minLSTM, rows [f, i, h]:  f = σ(·), i = σ(·), h̃ = g(·), f' = f / (f + i), i' = i / (f + i);
  h_t = f' ⊙ h_{t-1} + i' ⊙ h̃

with the paper's g(x) = x + 0.5 for x ≥ 0 and σ(x) below (its log-space version: it keeps h̃ > 0, so
b_t > 0 and log b_t exists). ``step`` is that math, one step at a time (sampling, decoding, and the
reference every fast path is tested against). A layer runs the whole sequence one of two ways, chosen
by the cell option ``scan`` (both in :mod:`rnnkit.scan`):

- ``"parallel"``: the log-space parallel scan of Heinsen (2023, "Efficient parallelization of a
  ubiquitous sequential computation"), every t at once:
      a*_t = Σ_{s≤t} log a_s,   h_t = exp(a*_t) ⊙ h_0 + exp(a*_t + logcumsumexp_t(log b_t − a*_t)).
  The carried state h_0 enters as its own term, so it may be zero or negative (the paper's form takes
  log h_0). In float32 a*_t loses about |a*_t|·1e-7 of absolute precision: over a few thousand strongly
  forgetting steps the scan and the loop part in the fourth or fifth digit.
- ``"sequential"``: exact in linear space. Both steps are an interpolation, h_t = h_{t-1} + w_t ⊙ (h̃_t −
  h_{t-1}) with w = z (minGRU) or i' (minLSTM, since f' = 1 − i'), so a step is one ``torch.lerp``; the
  input projection, the gates (:meth:`_Minimal.mix`) and the recurrence run together over blocks of a
  few steps that stay in the CPU's cache, forward and backward written by hand
  (:func:`rnnkit.scan.lerp_scan`): the (T, B, gates·H) projection and its gradient are never stored.
- ``"auto"`` (default): parallel on a GPU, sequential on the CPU. torch's CPU ``logcumsumexp`` is a
  scalar loop, over an order of magnitude slower per element than ``exp``, so on the CPU the scan
  costs more than the T small steps it replaces (``benchmarks/scan_vs_loop.py`` measures both).

Under the TorchScript-based ONNX export the parallel scan runs whatever ``scan`` says, in operations ONNX
has (:func:`rnnkit.scan.linear_scan`): an exported layer takes any length.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.cells.base import Cell
from rnnkit.init import initialize_
from rnnkit.scan import lerp_scan, linear_scan

__all__ = ["SCANS", "MinGRU", "MinLSTM", "candidate", "g", "log_g"]

_sigmoid_backward = torch.ops.aten.sigmoid_backward  # grad ⊙ s ⊙ (1 − s), from s = σ(x)


def g(x: Tensor) -> Tensor:
    """The paper's positive activation for the candidate state: x + 0.5 for x ≥ 0, σ(x) below."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def log_g(x: Tensor) -> Tensor:
    """log g(x), computed without leaving log space (the clamp keeps the unused branch finite; unlike a
    relu it passes the gradient at 0, where g'(0) / g(0) = 2)."""
    return torch.where(x >= 0, torch.log(x.clamp(min=0) + 0.5), -F.softplus(-x))  # clamp: gradient 2 at 0


def candidate(m: Tensor, sigmoid_m: Tensor) -> Tensor:
    """g(m) from m and σ(m), as max(m + 0.5, σ(m)): the same numbers as g (m + 0.5 ≥ σ(m) exactly when
    m ≥ 0), and cheaper than a ``where`` (which torch's CPU kernel does not vectorise)."""
    return torch.maximum(m + 0.5, sigmoid_m)


def candidate_backward(m: Tensor, sigmoid_m: Tensor, grad: Tensor, out: Tensor) -> None:
    """dL/dm = grad ⊙ g'(m) into ``out`` (which may be m): g' is 1 for m ≥ 0, σ'(m) below (as g's autograd)."""
    above = torch.ge(m, 0, out=torch.empty_like(grad))  # 1.0 / 0.0 floats: no bool tensor, no where
    torch.lerp(_sigmoid_backward(grad, sigmoid_m), grad, above, out=out)


SCANS = ("auto", "parallel", "sequential")


class _Minimal(Cell):
    """A cell whose step is h_t = a_t ⊙ h_{t-1} + b_t with a_t, b_t from x_t: no W_hh, a scan over time."""

    torch_mode = "GRU"  # the closest torch.nn layout (gated); Recurrent gives the layer the cell's own shapes
    recurrent = False
    exports_sequence = True  # the parallel scan in plain operations, any length (rnnkit.scan.linear_scan)

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

    def mix(self, xw: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The same step as h_t = h_{t-1} + w_t ⊙ (h̃_t − h_{t-1}) (a = 1 − w, b = w ⊙ h̃): w_t, h̃_t, and
        the gates' sigmoids for :meth:`mix_backward` (the sequential scan's input)."""
        raise NotImplementedError

    def mix_backward(self, xw: Tensor, sigmoids: Tensor, grad_cand: Tensor, cand_minus_h: Tensor,
                     out: Tensor) -> None:
        """dL/dxw into ``out`` (which may be ``xw``) from dL/dh̃ and h̃_t − h_t; w = σ(logit), whose gradient
        is their product (:mod:`rnnkit.scan`)."""
        raise NotImplementedError

    def _parallel(self, device: torch.device) -> bool:
        """The parallel scan: asked for, on a GPU with "auto", and under the TorchScript-based ONNX export whatever
        ``scan`` says (the one whose operations it can write: the sequential one is a Function with in-place
        writes)."""
        return self.scan == "parallel" or (self.scan == "auto" and device.type == "cuda") or \
            torch.onnx.is_in_onnx_export() and torch.jit.is_tracing()

    def sequence_from_input(
        self, x: Tensor, weight_ih: Tensor, bias_ih: Tensor | None, state: Tensor, mask: Tensor | None, offset: int
    ) -> tuple[Tensor, Tensor] | None:
        """The sequential scan, the input projection inside it (:func:`rnnkit.scan.lerp_scan`); None
        where the parallel scan is chosen (it takes the projection from :meth:`sequence`)."""
        if self._parallel(x.device):
            return None
        dtype = x.dtype
        if dtype in (torch.float16, torch.bfloat16):  # the state accumulates over hundreds of steps
            x, weight_ih, state = x.float(), weight_ih.float(), state.float()
            bias_ih = None if bias_ih is None else bias_ih.float()
        with torch.autocast(x.device.type, enabled=False):  # for the same reason, fp32 under bf16 autocast too
            h = lerp_scan(x, weight_ih, bias_ih, state.to(x.dtype), self)
        return _finish(h, mask, dtype)

    def traces_any_length(self) -> bool:
        return True  # both scans are one call (torch.ops.rnnkit.lerp_scan, linear_scan under a trace)

    def sequence(
        self, xw: Tensor, state: Tensor, weight_hh: Tensor | None, bias_hh: Tensor | None, mask: Tensor | None,
        offset: int,
    ) -> tuple[Tensor, Tensor] | None:
        """The parallel scan (:func:`rnnkit.scan.linear_scan`) from the projection ``xw``; None otherwise
        (``Recurrent`` takes :meth:`sequence_from_input` first)."""
        if not self._parallel(xw.device):
            return None
        dtype = xw.dtype
        if dtype in (torch.float16, torch.bfloat16):  # logcumsumexp over hundreds of steps needs float32
            xw, state = xw.float(), state.float()
        return _finish(linear_scan(*self.log_coefficients(xw), state), mask, dtype)


def _finish(h: Tensor, mask: Tensor | None, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """The outputs and final state of a scan. Steps past a length do not change the ones before them, so
    the final state is taken at each sequence's last step and the padding's output is 0."""
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
    scan_kind = 0  # rnnkit.native's fused scan runs this cell's mix (lerp_scan.cpp)

    def coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        k, m = xw.chunk(2, dim=-1)
        z = torch.sigmoid(k)
        return 1 - z, z * g(m)

    def log_coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        k, m = xw.chunk(2, dim=-1)
        return -F.softplus(k), -F.softplus(-k) + log_g(m)  # log(1 − z), log z + log g(h̃)

    def mix(self, xw: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        h = self.hidden_size
        s = torch.sigmoid(xw)  # [z, σ(m)] in one pass
        return s[..., :h], candidate(xw[..., h:], s[..., h:]), s

    def mix_backward(self, xw: Tensor, sigmoids: Tensor, grad_cand: Tensor, cand_minus_h: Tensor,
                     out: Tensor) -> None:
        h = self.hidden_size
        torch.mul(grad_cand, cand_minus_h, out=out[..., :h])  # the logit of w = z is k
        candidate_backward(xw[..., h:], sigmoids[..., h:], grad_cand, out[..., h:])


class MinLSTM(_Minimal):
    """minLSTM cell (``cell="minlstm"``): forget and input gates from x_t, normalised to sum to one."""

    name = "minlstm"
    gates = 3
    scan_kind = 1  # rnnkit.native's fused scan runs this cell's mix (lerp_scan.cpp)

    def coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        kf, ki, m = xw.chunk(3, dim=-1)
        diff = F.softplus(-kf) - F.softplus(-ki)  # log i − log f: i / (f + i) = σ(diff), finite when f, i → 0
        return torch.sigmoid(-diff), torch.sigmoid(diff) * g(m)

    def log_coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        kf, ki, m = xw.chunk(3, dim=-1)
        diff = F.softplus(-kf) - F.softplus(-ki)  # log i − log f
        return -F.softplus(diff), -F.softplus(-diff) + log_g(m)  # log f', log i' + log g(h̃)

    def mix(self, xw: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        h = self.hidden_size
        s = torch.sigmoid(xw)  # [f, i, σ(m)] in one pass
        w = torch.sigmoid(F.softplus(-xw[..., :h]) - F.softplus(-xw[..., h : 2 * h]))  # i / (f + i), in log space
        return w, candidate(xw[..., 2 * h :], s[..., 2 * h :]), s

    def mix_backward(self, xw: Tensor, sigmoids: Tensor, grad_cand: Tensor, cand_minus_h: Tensor,
                     out: Tensor) -> None:
        h = self.hidden_size
        q = grad_cand * cand_minus_h  # i' = σ(log i − log f): q = dL/d(log i − log f)
        torch.addcmul(-q, q, sigmoids[..., :h], out=out[..., :h])  # d log f / d k_f = 1 − f
        torch.addcmul(q, q, sigmoids[..., h : 2 * h], value=-1, out=out[..., h : 2 * h])  # d log i / d k_i = 1 − i
        candidate_backward(xw[..., 2 * h :], sigmoids[..., 2 * h :], grad_cand, out[..., 2 * h :])
