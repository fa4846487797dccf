"""Scans of the linear recurrence h_t = a_t ⊙ h_{t-1} + b_t (time on dim 0): the fast paths of minGRU and
minLSTM (:mod:`rnnkit.cells.minimal`), whose coefficients read the input x_t only.

- :func:`linear_scan`: Heinsen's (2023) log-space parallel scan, every t at once from log a_t and
  log b_t (cumsum and logcumsumexp). What a GPU wants. Under the TorchScript-based ONNX export (ONNX has
  no logcumsumexp) the same h_t by doubling in linear space, ⌈log2 T⌉ rounds of plain operations.
- :func:`lerp_scan`: the exact scan in linear space for the CPU, where torch's ``logcumsumexp`` is a
  scalar loop. Both cells' steps are an interpolation, h_t = h_{t-1} + w_t ⊙ (h̃_t − h_{t-1}) (a_t = 1 − w_t,
  b_t = w_t ⊙ h̃_t), so the step is one ``torch.lerp``. The layer's input projection, the gates and the
  recurrence run together over blocks of a few time steps, small enough to stay in the CPU's cache:
  the gradient of the projection x_t W^T + b is never stored, and each gate is computed by a handful of
  whole-block operations. The backward recomputes the block's gates (cheaper than reading them back
  from memory), and its projection too where the input is narrow (at most :data:`RECOMPUTE_INPUT`
  features: pixel by pixel, the projection is never stored at all; a wide one is kept, as a second
  product would cost more than reading it back), runs the reverse recurrence
  g_t = dL/dh_t + a_{t+1} g_{t+1} step by step, and adds the block's share of the weights' gradients.

On the CPU, a block's gates and steps run fused, one pass per row each way (:mod:`rnnkit.native`,
``lerp_scan.cpp``), for the cells that name their ``scan_kind``; the torch ops below are the fallback.

A cell taking :func:`lerp_scan` provides ``mix(xw) -> (w, h̃, saved)``, with w = σ(some logit), and
``mix_backward(xw, saved, grad_h̃, h̃ − h, out)``, which writes dL/dxw into ``out`` (which may be ``xw``
itself: each part of xw is read before its gradient is written over it). The logit's gradient is
dL/dh̃_t ⊙ (h̃_t − h_t): dL/dw_t = g_t ⊙ (h̃_t − h_{t-1}), times σ' = w_t (1 − w_t), and
(1 − w_t)(h̃_t − h_{t-1}) = h̃_t − h_t, one operation fewer than the textbook form.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

import torch
from torch import Tensor

from rnnkit.bptt import first_order
from rnnkit.jit_ops import register
from rnnkit.native import ops_for as native_ops

__all__ = ["CHUNK_ELEMENTS", "RECOMPUTE_INPUT", "Mixer", "chunk_length", "lerp_scan", "linear_scan"]

#: about how many numbers one block of the lerp scan holds per (B, H) tensor (c steps · B · H): small
#: enough that a block's dozen tensors stay in a core's cache, large enough to make torch's per-operation
#: cost small against the work
CHUNK_ELEMENTS = 65_536

#: the widest input whose projection the backward recomputes instead of keeping it from the forward
RECOMPUTE_INPUT = 16


class Mixer(Protocol):
    """What :func:`lerp_scan` asks of a cell: its step's weight and candidate, and their backward; its name in
    :data:`rnnkit.cells.CELLS` and its size rebuild it in a traced graph."""

    name: str
    hidden_size: int

    def mix(self, xw: Tensor) -> tuple[Tensor, Tensor, Tensor]: ...

    def mix_backward(self, xw: Tensor, saved: Tensor, grad_cand: Tensor, cand_minus_h: Tensor,
                     out: Tensor) -> None: ...


def linear_scan(log_a: Tensor, log_b: Tensor, h0: Tensor) -> Tensor:
    """h_t = a_t ⊙ h_{t-1} + b_t for every t at once (time on dim 0), from log a_t, log b_t (T, B, H)
    and h_0 (B, H) of any sign: Heinsen's log-space scan, h_0's contribution added on its own. Its
    backward is the same scan run backwards in time, written so that it can be differentiated again
    (torch's own backward of ``logcumsumexp`` takes the log of the gradient, so a second derivative
    where a gradient is 0 was NaN)."""
    if not torch.jit.is_tracing():
        return _LinearScan.apply(log_a, log_b, h0)
    if torch.onnx.is_in_onnx_export():  # the TorchScript-based exporter; ONNX has no logcumsumexp
        return _scripted_doubling_scan()(log_a, log_b, h0)
    return _LINEAR_SCAN_OP(log_a, log_b, h0)  # one operator node, which torch.jit.save takes (rnnkit.jit_ops)


def _doubling_scan(log_a: Tensor, log_b: Tensor, h0: Tensor) -> Tensor:
    """:func:`linear_scan`'s h_t in linear space and plain operations, for the ONNX export: ⌈log2 T⌉ rounds, each
    joining to every step the as many steps before it, (a, b) ← (a · a_{t−d}, b + a · b_{t−d}) (Hillis and
    Steele's scan). a ≤ 1 and h a weighted mean of the h̃ (minGRU, minLSTM), so nothing overflows, and it
    agrees with the sequential scan to float32's rounding; the log-space form's large cumulative sums cost
    digits (a tagger's probabilities 1e-4 off ``predict``'s over a few hundred strongly gated steps)."""
    a, b = log_a.exp(), log_b.exp()
    d = 1
    while d < a.shape[0]:
        b = b + a * torch.cat([torch.zeros_like(b[:d]), b[:-d]])  # what the d steps before t left, then t's own
        a = a * torch.cat([torch.ones_like(a[:d]), a[:-d]])
        d *= 2
    return b + a * h0


@functools.cache
def _scripted_doubling_scan() -> Any:
    """:func:`_doubling_scan` compiled by ``torch.jit.script`` (once, when first exported): the TorchScript-based
    exporter writes its loop as an ONNX Loop of as many rounds as the input's length asks (a traced one, and
    the dynamo-based exporter, keep the traced count: a longer input's early steps went missing)."""
    return torch.jit.script(_doubling_scan)


def _log_scan(log_a: Tensor, log_b: Tensor, h0: Tensor) -> Tensor:
    a_star = torch.cumsum(log_a, dim=0)
    return torch.exp(a_star + torch.logcumsumexp(log_b - a_star, dim=0)) + torch.exp(a_star) * h0


def _positive_scan(a_star: Tensor, b: Tensor) -> Tensor:
    """The scan of b's positive part from a zero state (a_star: the cumulative log a). Where b <= 0 the
    log-space input is a constant far below any other, chosen by ``where`` twice, so that no gradient,
    first or second, meets log 0."""
    positive = b > 0
    log_b = torch.where(positive, b, torch.ones_like(b)).log()
    floor = torch.finfo(b.dtype).min / 8
    return torch.exp(a_star + torch.logcumsumexp(torch.where(positive, log_b - a_star, floor), dim=0))


class _LinearScan(torch.autograd.Function):
    """The log-space scan with its gradient written out: g_t = dL/dh_t + a_{t+1} g_{t+1} (the same scan,
    backwards in time, on the gradient's positive and negative parts), then dL/dlog a_t = g_t a_t h_{t-1},
    dL/dlog b_t = g_t b_t, dL/dh_0 = g_0 a_0."""

    @staticmethod
    def forward(ctx: Any, log_a: Tensor, log_b: Tensor, h0: Tensor) -> Tensor:  # type: ignore[override]
        h = _log_scan(log_a, log_b, h0)
        ctx.save_for_backward(log_a, log_b, h0, h)
        return h

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, Tensor, Tensor]:  # type: ignore[override]
        log_a, log_b, h0, h = ctx.saved_tensors
        if h.shape[0] == 0:  # no steps: nothing depends on the inputs
            return torch.zeros_like(log_a), torch.zeros_like(log_b), torch.zeros_like(h0)
        # backwards in time the coefficient of step k is a_{t+1}; the first (k = 0) meets a zero state
        log_next = torch.cat([torch.zeros_like(log_a[:1]), log_a.flip(0)[:-1]])
        a_star, back = torch.cumsum(log_next, dim=0), grad.flip(0)
        g = (_positive_scan(a_star, back) - _positive_scan(a_star, -back)).flip(0)
        a = log_a.exp()
        h_prev = torch.cat([h0.expand(h[:1].shape), h[:-1]])
        return g * a * h_prev, g * log_b.exp(), (g[:1] * a[:1]).sum_to_size(h0.shape)


def chunk_length(steps: int, batch: int, hidden: int) -> int:
    """Time steps per block of :func:`lerp_scan`: about :data:`CHUNK_ELEMENTS` numbers, 1 to ``steps``."""
    return max(1, min(steps, CHUNK_ELEMENTS // max(1, batch * hidden)))


def lerp_scan(x: Tensor, weight: Tensor, bias: Tensor | None, h0: Tensor, cell: Mixer) -> Tensor:
    """Every h_t (T, B, H) of h_t = h_{t-1} + w_t ⊙ (h̃_t − h_{t-1}), with (w_t, h̃_t) = ``cell.mix``
    of the projection x_t W^T + b of the input ``x`` (T, B, I), from the state ``h0`` (B, H)."""
    if torch.jit.is_tracing():  # one operator node, which torch.jit.save takes (rnnkit.jit_ops)
        return _LERP_SCAN_OP(x, weight, bias, h0, cell.name, cell.hidden_size)
    return _LerpScan.apply(x, weight, bias, h0, cell, chunk_length(x.shape[0], *h0.shape))


def _project(x: Tensor, weight: Tensor, bias: Tensor | None, out: Tensor | None = None) -> Tensor:
    """x W^T + b of a block (c, B, I), as one 2-D product (F.linear would take a batched one; one input
    feature makes it an outer product, cheaper as a broadcast multiply), into ``out`` (c, B, gates·H)."""
    x2 = x.reshape(-1, x.shape[-1])
    out2 = None if out is None else out.view(-1, weight.shape[0])
    if bias is None:
        out2 = torch.mm(x2, weight.t(), out=out2)
    elif x.shape[-1] == 1:
        out2 = torch.addcmul(bias, x2, weight.t(), out=out2)
    else:
        out2 = torch.addmm(bias, x2, weight.t(), out=out2)
    return out2.view(*x.shape[:-1], weight.shape[0])


def _native(cell: Mixer, x: Tensor) -> Any:
    """The fused scan operators of :mod:`rnnkit.native` for a cell that names its ``scan_kind`` (0 minGRU,
    1 minLSTM) and a CPU input of float32 or float64, else None (the cell's ``mix`` and the torch loops run)."""
    if getattr(cell, "scan_kind", None) is None:
        return None
    return native_ops(x)


def _reverse(grad: Tensor, a: Tensor, later: Tensor | None, out: Tensor) -> Tensor:
    """g_t = grad_t + a_{t+1} g_{t+1} over one block into ``out``, ``later`` = a g of the block after it
    (None for the last); returns a_0 g_0, the same for the block before."""
    g, a_rows, grad_rows = out.unbind(0), a.unbind(0), grad.unbind(0)
    if later is None:
        g[-1].copy_(grad_rows[-1])
    else:
        torch.add(grad_rows[-1], later, out=g[-1])
    for j in range(len(g) - 2, -1, -1):
        torch.addcmul(grad_rows[j], a_rows[j + 1], g[j + 1], out=g[j])
    return a_rows[0] * g[0]


class _LerpScan(torch.autograd.Function):
    """:func:`lerp_scan` with its backward written out, block by block (see the module's docstring)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, weight: Tensor, bias: Tensor | None, h0: Tensor, cell: Mixer,
                chunk: int) -> Tensor:
        states = x.new_empty(x.shape[0] + 1, *h0.shape)  # h_0, h_1 ... h_T: the backward wants h_{t-1}
        states[0] = h0
        rows = states.unbind(0)
        h = rows[0]
        kept = x.new_empty(*x.shape[:-1], weight.shape[0]) if x.shape[-1] > RECOMPUTE_INPUT else None
        native = _native(cell, x)
        for t0 in range(0, x.shape[0], chunk):
            xw = _project(x[t0 : t0 + chunk], weight, bias, None if kept is None else kept[t0 : t0 + chunk])
            if native is not None:  # the block's gates and steps in one pass per row
                native.lerp_scan_forward(xw, h, states[t0 + 1 : t0 + 1 + xw.shape[0]], cell.scan_kind)
                h = rows[t0 + xw.shape[0]]
                continue
            w, cand, _ = cell.mix(xw)
            for j, (w_j, cand_j) in enumerate(zip(w.unbind(0), cand.unbind(0), strict=True)):
                h = torch.lerp(h, cand_j, w_j, out=rows[t0 + j + 1])
        ctx.save_for_backward(x, weight, bias, states, kept)
        ctx.cell, ctx.chunk = cell, chunk
        return states[1:]

    @staticmethod
    @first_order("the sequential scan's hand-written backward (minGRU, minLSTM)")
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, weight, bias, states, kept = ctx.saved_tensors
        cell, chunk, steps = ctx.cell, ctx.chunk, x.shape[0]
        grad_weight = torch.zeros_like(weight)
        grad_bias = None if bias is None else torch.zeros_like(bias)
        grad_x = x.new_empty(x.shape) if ctx.needs_input_grad[0] else None
        later = None
        native = _native(cell, x)
        grad = grad.contiguous()
        for t0 in reversed(range(0, steps, chunk)):
            t1 = min(t0 + chunk, steps)
            xc = x[t0:t1]
            xw = _project(xc, weight, bias) if kept is None else kept[t0:t1]
            grad_xw = xw if kept is None else torch.empty_like(xw)  # a recomputed projection is written over
            if native is not None:
                carry = torch.empty_like(states[0])
                native.lerp_scan_backward(xw, grad_xw, states[t0 : t1 + 1], grad[t0:t1], later, carry,
                                          cell.scan_kind)
                later = carry
            else:
                w, cand, saved = cell.mix(xw)
                g = torch.empty_like(cand)  # dL/dh_t through every later step
                later = _reverse(grad[t0:t1], 1 - w, later, g)
                cell.mix_backward(xw, saved, g * w, cand - states[t0 + 1 : t1 + 1], out=grad_xw)
            grad_xw = grad_xw.view(-1, xw.shape[-1])
            grad_weight.addmm_(grad_xw.t(), xc.reshape(-1, xc.shape[-1]))
            if grad_bias is not None:
                grad_bias += grad_xw.sum(0)
            if grad_x is not None:
                torch.mm(grad_xw, weight, out=grad_x[t0:t1].view(-1, x.shape[-1]))
        return grad_x, grad_weight, grad_bias, later, None, None


def _lerp_scan_op(x: Tensor, weight: Tensor, bias: Tensor | None, h0: Tensor, cell: str, hidden_size: int) -> Tensor:
    """:func:`lerp_scan` in a traced graph: its blocks sized for the input it runs on, not the traced one's."""
    from rnnkit.cells import CELLS  # the cells import this module

    return _LerpScan.apply(x, weight, bias, h0, _mixer(CELLS[cell], hidden_size), chunk_length(x.shape[0], *h0.shape))


@functools.cache
def _mixer(family: type, hidden_size: int) -> Mixer:
    return family(hidden_size)


_LINEAR_SCAN_OP = register("linear_scan", "(Tensor log_a, Tensor log_b, Tensor h0) -> Tensor", _LinearScan.apply)
_LERP_SCAN_OP = register("lerp_scan", "(Tensor x, Tensor weight, Tensor? bias, Tensor h0, str cell, int hidden_size) "
                         "-> Tensor", _lerp_scan_op)
