"""Time loops with their backward passes written out: the fast path of the regularised LSTM and Elman RNN.

torch's fused LSTM kernel computes the plain cell only. With variational recurrent dropout, zoneout or
layer normalisation inside the recurrence (:mod:`rnnkit.regularisers`) the step loop would pay autograd's
bookkeeping for some twenty small operations per step, forwards and backwards. :func:`lstm_sequence`
runs the recurrence without building a graph, keeps only what the backward needs (the states, the gate
activations, the normalisations' inputs and statistics), and walks the steps in reverse itself; the
recurrent weight's gradient is one product over all steps at the end. A step is the recurrent product
(torch's) and the step's element-wise work, which on the CPU is one fused kernel each way
(:mod:`rnnkit.native`), else the torch ops of :func:`_step_forward` and :func:`_step_backward`. Both
equal autograd through the reference step (``tests/test_regularisers.py``, float64, and ``gradcheck``).

One step, with ``xg_t`` the hoisted input part of the pre-activation (all biases folded in), or with
layer norm the raw projection p_t = W_ih x_t and its normalisation done here, step by step:
    r_t = W_hh (m ⊙ h_{t-1})                              m: recurrent-dropout mask (or 1)
    z_t = xg_t + r_t,  or  LN(p_t) ⊙ γ_ih + s + LN(r_t) ⊙ γ_hh     gates [i, f, g, o], torch.nn's order
    c'_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g)
    h'_t = σ(o) ⊙ tanh([LN(c'_t) ⊙ γ_c + β_c  or  c'_t])
    c_t = k^c_t ⊙ c_{t-1} + (1 − k^c_t) ⊙ c'_t,  h_t = k^h_t ⊙ h_{t-1} + (1 − k^h_t) ⊙ h'_t
``k`` is the zoneout keep factor (a 0/1 mask in training, the rate at evaluation), and 1 past a
sequence's length so that a finished row holds its state; LN normalises over the whole vector
(4H features for p_t and r_t, H for c'_t) without gain or shift of its own (γ, s, β are applied here;
s = b_ih + b_hh). :func:`elman_sequence` is the same for the Elman RNN (recurrent dropout and zoneout).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from rnnkit.jit_ops import register
from rnnkit.native import ops_for as native_ops

__all__ = ["LN_EPS", "elman_sequence", "first_order", "gru_sequence", "lstm_sequence"]

#: epsilon of every layer normalisation in the regularised LSTM (torch.nn.LayerNorm's default)
LN_EPS = 1e-5


def first_order(loop: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The backward of a hand-written loop (``loop`` names it), run without a graph, refusing to build one: asked
    for a gradient that can be differentiated again (``create_graph=True``: a gradient penalty, ``gradgradcheck``,
    a Hessian), a RuntimeError naming the loop and the way out, ``impl="reference"``, the step loop, whose autograd
    graph has second derivatives (as torch.nn's RNNs do). torch's ``once_differentiable`` refused one only when an
    incoming gradient required grad and the second derivative reached that gradient: from constant ones
    (``grad(y.sum(), x, create_graph=True)``), or taken with respect to parameters only, the second derivative took
    the loop's gradients as constants, silently wrong (a term missing)."""
    message = (f"{loop} has no second derivative (a gradient taken with create_graph=True); impl='reference' runs "
               "rnnkit's step loop, which has one")

    def decorate(backward: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(backward)
        def wrapper(ctx: Any, *grads: Any) -> Any:
            if torch.is_grad_enabled() and any(ctx.needs_input_grad):  # autograd's grad mode here: create_graph
                raise RuntimeError(message)
            with torch.no_grad():
                return backward(ctx, *grads)
        return wrapper
    return decorate


def _ln_backward(grad: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, gain: Tensor) -> tuple[Tensor, Tensor]:
    """dL/dx of LN(x) ⊙ gain over the last dimension, and this call's share of the gain's gradient summed
    over the batch, in one kernel (the ``out=`` variant copies: slower)."""
    dx, d_gain, _ = torch.ops.aten.native_layer_norm_backward(grad, x, [x.shape[-1]], mean, rstd, gain, None,
                                                              [True, True, False])
    return dx, d_gain


def lstm_sequence(
    xg: Tensor,
    h0: Tensor,
    c0: Tensor,
    w_hh: Tensor,
    ln: tuple[Tensor, Tensor, Tensor, Tensor, Tensor] | None = None,
    drop: Tensor | None = None,
    keep: tuple[Tensor, Tensor] | None = None,
    out_mask: Tensor | None = None,
    consume_xg: bool = False,
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """Run the regularised LSTM over ``xg`` (T, B, 4H); returns ``(output (T, B, H), (h_T, c_T))``.

    ``ln``: the gains and shifts ``(γ_ih (4H), s (4H), γ_hh (4H), γ_c (H), β_c (H))`` of a layer-normalised
    LSTM, whose ``xg`` is then the raw projection W_ih x (no bias; see the module docstring), or None.
    ``drop`` (B, H): the recurrent-dropout mask, already scaled by 1/(1 − p). ``keep``: the zoneout keep
    factors ``(k^h, k^c)``, each (T, B, H) or broadcastable to it (see the module docstring).
    ``out_mask`` (T, B, 1) bool: outputs past a sequence's length are zero.
    ``consume_xg``: the caller has no further use for ``xg`` (nor has the operation that made it, as
    ``F.linear``'s backward does not read its output): without layer norm the gate activations are
    written over it, which saves a (T, B, 4H) buffer. Should a graph still need it, autograd's version
    check refuses the backward (an error, never a wrong gradient).
    """
    device = xg.device.type
    if torch.is_autocast_enabled(device):  # the backward runs outside autocast: keep the loop in fp32
        with torch.autocast(device, enabled=False):
            args = [xg, h0, c0, w_hh, *(ln or (None,) * 5), drop, *(keep or (None, None))]
            out, h, c = _LSTMBPTT.apply(*[a.float() if a is not None else None for a in args], out_mask, consume_xg)
            return out, (h, c)
    out, h, c = _LSTMBPTT.apply(xg, h0, c0, w_hh, *(ln or (None,) * 5), drop, *(keep or (None, None)), out_mask,
                                consume_xg)
    return out, (h, c)


def _step_forward(z: Tensor, p: Tensor | None, r: Tensor | None, g_ih: Tensor | None, shift: Tensor | None,
                  g_hh: Tensor | None, c: Tensor, h: Tensor, c_new: Tensor, g_c: Tensor | None, b_c: Tensor | None,
                  tc: Tensor, h_out: Tensor, c_out: Tensor, k_h: Tensor | None, k_c: Tensor | None,
                  stats: Tensor | None) -> None:
    """One step's element-wise work in torch ops, after the recurrent product: what the fused
    ``lstm_step_forward`` of :mod:`rnnkit.native` does in one pass (the fallback, and its reference).

    ``z`` (B, 4H) holds the pre-activations, or with layer norm receives LN(p) γ_ih + s + LN(r) γ_hh from the
    raw projection ``p`` and ``r`` = W_hh h; it is overwritten by the activations [σ(i), σ(f), tanh(g), σ(o)].
    ``c_new`` receives c'_t, ``tc`` the tanh of the (normalised) cell, ``h_out`` and ``c_out`` the new
    state (``c_out`` may be ``c_new``), ``stats`` (B, 6) the mean and 1/std of p, of r and of c'_t."""
    hidden = c.shape[1]
    if r is not None:
        p_hat, p_mean, p_rstd = torch.native_layer_norm(p, (4 * hidden,), None, None, LN_EPS)  # type: ignore[arg-type]
        r_hat, r_mean, r_rstd = torch.native_layer_norm(r, (4 * hidden,), None, None, LN_EPS)
        stats[:, 0:4] = torch.cat((p_mean, p_rstd, r_mean, r_rstd), 1)  # type: ignore[index]
        torch.addcmul(shift, p_hat, g_ih, out=z).addcmul_(r_hat, g_hh)  # type: ignore[arg-type]
    i, f, g, o = z.chunk(4, 1)
    z[:, : 2 * hidden].sigmoid_()
    g.tanh_()
    o.sigmoid_()
    torch.mul(f, c, out=c_new).addcmul_(i, g)
    if g_c is not None:
        c_hat, mean, rstd = torch.native_layer_norm(c_new, (hidden,), None, None, LN_EPS)
        stats[:, 4:6] = torch.cat((mean, rstd), 1)  # type: ignore[index]
        torch.addcmul(b_c, c_hat, g_c, out=tc).tanh_()  # type: ignore[arg-type]
    else:
        torch.tanh(c_new, out=tc)
    if k_h is None:
        torch.mul(o, tc, out=h_out)
        if c_out.data_ptr() != c_new.data_ptr():
            c_out.copy_(c_new)
    else:
        torch.lerp(o * tc, h, k_h, out=h_out)
        torch.lerp(c_new, c, k_c, out=c_out)  # type: ignore[arg-type]


def _step_backward(dz: Tensor, dp: Tensor | None, dr: Tensor | None, a: Tensor, c: Tensor, tc: Tensor,
                   p: Tensor | None, r: Tensor | None, g_ih: Tensor | None, g_hh: Tensor | None, c_in: Tensor | None,
                   g_c: Tensor | None, stats: Tensor | None, gh: Tensor, gc: Tensor, gh_pass: Tensor,
                   g_out_prev: Tensor | None, k_h: Tensor | None, k_c: Tensor | None, acc: Tensor | None) -> None:
    """One step back in torch ops (what the fused ``lstm_step_backward`` does). From dL/dh_t ``gh`` and
    dL/dc_t ``gc``: dL/dz_t into ``dz``, with layer norm dL/dr_t into ``dr`` and dL/dp_t into ``dp``;
    dL/dc_{t-1} over ``gc``; into ``gh_pass`` the part of dL/dh_{t-1} that does not pass W_hh (zoneout's,
    plus the output's gradient ``g_out_prev``); the step's share of the gradients of γ_ih, s, γ_hh (4H
    each), γ_c and β_c (H each) added to ``acc``. ``a`` holds the step's activations, ``c`` = c_{t-1},
    ``c_in`` = c'_t."""
    batch, hidden = c.shape
    gates = 4 * hidden
    one = a.new_ones(())
    i, f, g, o = a.chunk(4, 1)
    dzi, dzf, dzg, dzo = dz.chunk(4, 1)
    torch.addcmul(a, a, a, value=-1, out=dz)  # σ'(·) = s − s² per block (g's next)
    torch.addcmul(one, g, g, value=-1, out=dzg)  # tanh'(g)
    dzi.mul_(g)
    dzf.mul_(c)
    dzg.mul_(i)
    dzo.mul_(tc)
    ghf = gh if k_h is None else torch.addcmul(gh, gh, k_h, value=-1)  # dL/dh'_t
    d_pre = torch.addcmul(one, tc, tc, value=-1).mul_(o).mul_(ghf)  # dL/d(the cell's tanh's argument)
    gcn = d_pre
    if g_c is not None:
        gcn, d_gain = _ln_backward(d_pre, c_in, *_moments(stats, 4), g_c)  # type: ignore[arg-type]
        acc[3 * gates :].add_(torch.cat((d_gain, d_pre.sum(0))))  # type: ignore[index]
    gcn = gcn.add_(gc) if k_c is None else gcn.add_(gc).addcmul_(gc, k_c, value=-1)  # dL/dc'_t
    dz.view(batch, 4, hidden)[:, :3].mul_(gcn.unsqueeze(1))
    dzo.mul_(ghf)
    if k_c is None:
        torch.mul(gcn, f, out=gc)
    else:
        gc.mul_(k_c).addcmul_(gcn, f)
    if k_h is None:
        gh_pass.zero_() if g_out_prev is None else gh_pass.copy_(g_out_prev)
    else:
        torch.mul(gh, k_h, out=gh_pass)
        if g_out_prev is not None:
            gh_pass.add_(g_out_prev)
    if r is not None:
        d_r, d_ghh = _ln_backward(dz, r, *_moments(stats, 2), g_hh)  # type: ignore[arg-type]
        d_p, d_gih = _ln_backward(dz, p, *_moments(stats, 0), g_ih)  # type: ignore[arg-type]
        dr.copy_(d_r)  # type: ignore[union-attr]
        dp.copy_(d_p)  # type: ignore[union-attr]
        acc[: 3 * gates].add_(torch.cat((d_gih, dz.sum(0), d_ghh)))  # type: ignore[index]


def _moments(stats: Tensor | None, at: int) -> tuple[Tensor, Tensor]:
    """The mean and 1/std (B, 1) of one normalisation, from columns ``at`` and ``at + 1`` of ``stats``."""
    return stats[:, at : at + 1].contiguous(), stats[:, at + 1 : at + 2].contiguous()  # type: ignore[index]


_scratch = threading.local()


def _workspace(shape: torch.Size, like: Tensor) -> Tensor:
    """A buffer of ``shape`` that this thread reuses from one call to the next (its pages are already
    mapped: a fresh (T, B, 4H) buffer pays a page fault per 4 KiB inside the step loop)."""
    key = (tuple(shape), like.dtype, like.device)
    buf = getattr(_scratch, "buffers", {}).get(key)
    if buf is None:
        buf = like.new_empty(shape)
        _scratch.buffers = {key: buf}  # one at a time: a model of several sizes keeps only the latest
    return buf


class _LSTMBPTT(torch.autograd.Function):
    """Forward without a graph, saving the states and activations; backward through time by hand.

    Each step is the recurrent product (torch's) and the step's element-wise work: the fused kernels of
    :mod:`rnnkit.native` on the CPU when they can be built, else :func:`_step_forward` and
    :func:`_step_backward`. Every per-step view is made once before the loops, results go into
    preallocated buffers, and only the recurrent weight's gradient is computed for all steps at once,
    after the backward loop."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, xg: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, g_ih: Tensor | None, shift: Tensor | None,
        g_hh: Tensor | None, g_c: Tensor | None, b_c: Tensor | None, drop: Tensor | None, k_h: Tensor | None,
        k_c: Tensor | None, out_mask: Tensor | None, consume_xg: bool,
    ) -> tuple[Tensor, Tensor, Tensor]:
        steps, batch, gates = xg.shape
        hidden = gates // 4
        ln = g_hh is not None
        native = native_ops(xg)
        step = _step_forward if native is None else native.lstm_step_forward
        if k_h is not None and native is not None:  # the kernel reads one whole (B, H) row block a step
            k_h, k_c = (k.expand(steps, batch, hidden).contiguous() for k in (k_h, k_c))  # type: ignore[union-attr]
        hs = xg.new_empty(steps + 1, batch, hidden)
        cs = xg.new_empty(steps + 1, batch, hidden)
        hs[0], cs[0] = h0, c0
        # the pre-activations z_t, then σ(i), σ(f), tanh(g), σ(o) in place (over xg when it is free to take)
        acts = xg if consume_xg and xg.is_contiguous() and not ln else xg.new_empty(xg.shape)
        xg = xg.contiguous()
        tc = xg.new_empty(steps, batch, hidden)  # tanh of the (normalised) cell
        # with layer norm: r_t, c'_t and the statistics of p_t, r_t, c'_t
        r_in = xg.new_empty(steps, batch, gates) if ln else None
        c_in = (cs[1:] if k_c is None else xg.new_empty(steps, batch, hidden)) if ln else None
        stats = xg.new_empty(steps, batch, 6) if ln else None
        w_t = w_hh.t().contiguous()  # one copy: a transposed view would be copied at every step
        # every per-step view made once (unbind), so the loop indexes Python tuples, not tensors
        hs_, cs_, tc_, z_, xg_ = hs.unbind(0), cs.unbind(0), tc.unbind(0), acts.unbind(0), xg.unbind(0)
        none = (None,) * steps
        r_, st_ = (r_in.unbind(0), stats.unbind(0)) if ln else (none, none)  # type: ignore[union-attr]
        # where c'_t goes: the new cell state itself unless zoneout (or lengths) blends it with the old
        c_new_ = cs_[1:] if k_c is None else c_in.unbind(0) if ln else (xg.new_empty(batch, hidden),) * steps  # type: ignore[union-attr]
        kh_, kc_ = (k_h.unbind(0), k_c.unbind(0)) if k_h is not None else (none, none)  # type: ignore[union-attr]
        for t in range(steps):
            h = hs_[t]
            hr = h if drop is None else h * drop
            if ln:
                torch.mm(hr, w_t, out=r_[t])
            else:
                torch.addmm(xg_[t], hr, w_t, out=z_[t])
            step(z_[t], xg_[t] if ln else None, r_[t], g_ih, shift, g_hh, cs_[t], h, c_new_[t], g_c, b_c, tc_[t],
                 hs_[t + 1], cs_[t + 1], kh_[t], kc_[t], st_[t])
        ctx.save_for_backward(hs, cs, acts, tc, w_hh, g_ih, g_hh, g_c, xg if ln else None, r_in, c_in, stats, drop,
                              k_h, k_c, out_mask)
        out = hs[1:].clone() if out_mask is None else hs[1:] * out_mask
        return out, hs[-1].clone(), cs[-1].clone()

    @staticmethod
    @first_order("the regularised LSTM's hand-written BPTT (zoneout, recurrent dropout, layer_norm)")
    def backward(ctx: Any, g_out: Tensor, g_h: Tensor, g_c_last: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        hs, cs, acts, tc, w_hh, g_ih, g_hh, g_c, p_in, r_in, c_in, stats, drop, k_h, k_c, out_mask = ctx.saved_tensors
        steps, batch, gates = acts.shape
        hidden = gates // 4
        ln = g_hh is not None
        native = native_ops(acts)
        step = _step_backward if native is None else native.lstm_step_backward
        g_out = (g_out if out_mask is None else g_out * out_mask).contiguous()
        none = (None,) * steps
        if ln:  # dL/dz_t is a step's scratch; dL/dp_t is returned, dL/dr_t read by W_hh's gradient only
            dz_, d_in = (acts.new_empty(batch, gates),) * steps, torch.empty_like(acts)
            dr_all = _workspace(acts.shape, acts)
            dp_, dr_ = d_in.unbind(0), dr_all.unbind(0)
            p_, r_, cin_, st_ = p_in.unbind(0), r_in.unbind(0), c_in.unbind(0), stats.unbind(0)
            acc = acts.new_zeros(3 * gates + 2 * hidden)  # the gradients of γ_ih, s, γ_hh, γ_c, β_c
        else:  # dL/dz_t is the input's gradient and what W_hh's gradient reads
            dr_all = d_in = torch.empty_like(acts)
            dz_ = dr_ = d_in.unbind(0)
            dp_, p_, r_, cin_, st_, acc = none, none, none, none, none, None
        gh_pass = acts.new_empty(batch, hidden)  # dL/dh_{t-1} other than through W_hh
        gh_next = acts.new_empty(batch, hidden)
        gh = g_h + g_out[-1]  # dL/dh_t and dL/dc_t, carried backwards
        gc = g_c_last.contiguous().clone()
        g_out_, a_, cs_, tc_ = g_out.unbind(0), acts.unbind(0), cs.unbind(0), tc.unbind(0)
        kh_, kc_ = (k_h.unbind(0), k_c.unbind(0)) if k_h is not None else (none, none)
        for t in range(steps - 1, -1, -1):
            step(dz_[t], dp_[t], dr_[t] if ln else None, a_[t], cs_[t], tc_[t], p_[t], r_[t], g_ih, g_hh, cin_[t],
                 g_c, st_[t], gh, gc, gh_pass, g_out_[t - 1] if t else None, kh_[t], kc_[t], acc)
            if drop is None:
                gh, gh_next = torch.addmm(gh_pass, dr_[t], w_hh, out=gh_next), gh
            else:
                gh, gh_next = torch.addcmul(gh_pass, torch.mm(dr_[t], w_hh), drop, out=gh_next), gh
        h_in = hs[:-1] if drop is None else hs[:-1] * drop
        d_w = dr_all.reshape(-1, gates).t().mm(h_in.reshape(-1, hidden))
        d_ln = acc.split([gates, gates, gates, hidden, hidden]) if ln else (None,) * 5  # type: ignore[union-attr]
        return d_in, gh, gc, d_w, *d_ln, None, None, None, None, None


def elman_sequence(
    xg: Tensor,
    h0: Tensor,
    w_hh: Tensor,
    relu: bool,
    drop: Tensor | None = None,
    keep: Tensor | None = None,
    out_mask: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """The Elman RNN (tanh, or ReLU: also the IRNN) with recurrent dropout and zoneout over ``xg`` (T, B, H):
    h'_t = act(xg_t + W_hh (m ⊙ h_{t-1})),  h_t = k_t ⊙ h_{t-1} + (1 − k_t) ⊙ h'_t.
    Arguments as :func:`lstm_sequence` (``keep`` one tensor); returns ``(output (T, B, H), h_T)``."""
    device = xg.device.type
    if torch.is_autocast_enabled(device):  # the backward runs outside autocast: keep the loop in fp32
        with torch.autocast(device, enabled=False):
            args = [a.float() if a is not None else None for a in (xg, h0, w_hh, drop, keep)]
            return _elman(*args, relu, out_mask)
    return _elman(xg, h0, w_hh, drop, keep, relu, out_mask)


def _elman(*args: Any) -> tuple[Tensor, Tensor]:
    """:class:`_ElmanBPTT`, as ``torch.ops.rnnkit.elman_bptt`` under ``torch.jit.trace`` (:mod:`rnnkit.jit_ops`)."""
    return _ELMAN_OP(*args) if torch.jit.is_tracing() else _ElmanBPTT.apply(*args)


class _ElmanBPTT(torch.autograd.Function):
    """The Elman recurrence with its backward written out (one product a step each way)."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, xg: Tensor, h0: Tensor, w_hh: Tensor, drop: Tensor | None, keep: Tensor | None, relu: bool,
        out_mask: Tensor | None,
    ) -> tuple[Tensor, Tensor]:
        steps, batch, hidden = xg.shape
        hs = xg.new_empty(steps + 1, batch, hidden)
        acts = xg.new_empty(steps, batch, hidden) if keep is not None else None  # h'_t, when h_t differs
        hs[0] = h0
        w_t = w_hh.t().contiguous()
        for t in range(steps):
            h = hs[t]
            hr = h if drop is None else h * drop
            new = torch.addmm(xg[t], hr, w_t, out=hs[t + 1] if keep is None else acts[t])
            new.relu_() if relu else new.tanh_()
            if keep is not None:
                torch.lerp(new, h, keep[t], out=hs[t + 1])
        ctx.save_for_backward(hs, acts, w_hh, drop, keep, out_mask)
        ctx.relu = relu
        out = hs[1:].clone() if out_mask is None else hs[1:] * out_mask
        return out, hs[-1].clone()

    @staticmethod
    @first_order("the regularised Elman RNN's hand-written BPTT (zoneout, recurrent dropout)")
    def backward(ctx: Any, g_out: Tensor, g_h: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        hs, acts, w_hh, drop, keep, out_mask = ctx.saved_tensors
        steps, batch, hidden = g_out.shape
        new = hs[1:] if acts is None else acts
        local = (new > 0).to(new.dtype) if ctx.relu else 1 - new * new  # act'(·) for all steps at once
        if keep is not None:
            local = local * (1 - keep)
        if out_mask is not None:
            g_out = g_out * out_mask
        dxg = g_out.new_empty(steps, batch, hidden)
        gh = g_h + g_out[-1]
        for t in range(steps - 1, -1, -1):
            if t < steps - 1:
                gh.add_(g_out[t])
            torch.mul(gh, local[t], out=dxg[t])
            dh = torch.mm(dxg[t], w_hh)
            if drop is not None:
                dh.mul_(drop)
            gh = dh if keep is None else dh.addcmul_(gh, keep[t])
        h_in = hs[:-1] if drop is None else hs[:-1] * drop
        d_w = dxg.reshape(-1, hidden).t().mm(h_in.reshape(-1, hidden))
        return dxg, gh, d_w, None, None, None, None


def gru_sequence(
    xw: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor, keep: Tensor | None = None, out_mask: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """torch.nn.GRU's cell with zoneout over ``xw`` (T, B, 3H) = W_ih x + b_ih, gates [r, z, n]:
    r, z = σ(xw_r + (W_hr h + b_hr)), σ(xw_z + (W_hz h + b_hz)),  n = tanh(xw_n + r ⊙ (W_hn h + b_hn)),
    h'_t = n + z ⊙ (h_{t-1} − n),  h_t = k_t ⊙ h_{t-1} + (1 − k_t) ⊙ h'_t.
    ``keep`` and ``out_mask`` as in :func:`lstm_sequence`; returns ``(output (T, B, H), h_T)``."""
    device = xw.device.type
    if torch.is_autocast_enabled(device):  # the backward runs outside autocast: keep the loop in fp32
        with torch.autocast(device, enabled=False):
            args = [a.float() if a is not None else None for a in (xw, h0, w_hh, b_hh, keep)]
            return _gru(*args, out_mask)
    return _gru(xw, h0, w_hh, b_hh, keep, out_mask)


def _gru(*args: Any) -> tuple[Tensor, Tensor]:
    """:class:`_GRUBPTT`, as ``torch.ops.rnnkit.gru_bptt`` under ``torch.jit.trace`` (:mod:`rnnkit.jit_ops`)."""
    return _GRU_OP(*args) if torch.jit.is_tracing() else _GRUBPTT.apply(*args)


class _GRUBPTT(torch.autograd.Function):
    """The GRU recurrence with its backward written out (one product a step each way)."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, xw: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor, keep: Tensor | None, out_mask: Tensor | None,
    ) -> tuple[Tensor, Tensor]:
        steps, batch, gates = xw.shape
        hidden = gates // 3
        hs = xw.new_empty(steps + 1, batch, hidden)
        rzn = xw.new_empty(steps, batch, gates)  # r, z, n
        hn = xw.new_empty(steps, batch, hidden)  # W_hn h + b_hn
        hs[0] = h0
        w_t = w_hh.t().contiguous()
        for t in range(steps):
            h = hs[t]
            hw = torch.addmm(b_hh, h, w_t)
            hn[t] = hw[:, 2 * hidden :]
            rz = torch.add(xw[t, :, : 2 * hidden], hw[:, : 2 * hidden], out=rzn[t, :, : 2 * hidden]).sigmoid_()
            n = torch.addcmul(xw[t, :, 2 * hidden :], rz[:, :hidden], hn[t], out=rzn[t, :, 2 * hidden :]).tanh_()
            z = rz[:, hidden:]
            if keep is None:
                torch.addcmul(n, z, h - n, out=hs[t + 1])
            else:
                torch.lerp(torch.addcmul(n, z, h - n), h, keep[t], out=hs[t + 1])
        ctx.save_for_backward(hs, rzn, hn, w_hh, keep, out_mask)
        out = hs[1:].clone() if out_mask is None else hs[1:] * out_mask
        return out, hs[-1].clone()

    @staticmethod
    @first_order("the regularised GRU's hand-written BPTT (zoneout)")
    def backward(ctx: Any, g_out: Tensor, g_h: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        hs, rzn, hn, w_hh, keep, out_mask = ctx.saved_tensors
        steps, batch, gates = rzn.shape
        hidden = gates // 3
        r, z, n = rzn.split(hidden, 2)
        # factors that do not recur, for all steps at once
        dn_pre = (1 - z) * (1 - n * n)  # dh'/d(n's argument)
        dz_pre = (hs[:-1] - n) * z * (1 - z)  # dh'/d(z's argument)
        dr_pre = dn_pre * hn * r * (1 - r)  # dh'/d(r's argument)
        if keep is not None:
            free = 1 - keep
            dn_pre, dz_pre, dr_pre = dn_pre * free, dz_pre * free, dr_pre * free
            z = z * free + keep  # the share of h_{t-1} that passes straight through
        if out_mask is not None:
            g_out = g_out * out_mask
        dxw = g_out.new_empty(steps, batch, gates)
        dhw = g_out.new_empty(steps, batch, gates)
        gh = g_h + g_out[-1]
        for t in range(steps - 1, -1, -1):
            if t < steps - 1:
                gh.add_(g_out[t])
            torch.mul(gh, dr_pre[t], out=dxw[t, :, :hidden])
            torch.mul(gh, dz_pre[t], out=dxw[t, :, hidden : 2 * hidden])
            torch.mul(gh, dn_pre[t], out=dxw[t, :, 2 * hidden :])
            dhw[t, :, : 2 * hidden] = dxw[t, :, : 2 * hidden]
            torch.mul(dxw[t, :, 2 * hidden :], r[t], out=dhw[t, :, 2 * hidden :])
            gh = torch.addcmul(torch.mm(dhw[t], w_hh), gh, z[t])
        d_w = dhw.reshape(-1, gates).t().mm(hs[:-1].reshape(-1, hidden))
        return dxw, gh, d_w, dhw.sum((0, 1)), None, None


_ELMAN_OP = register("elman_bptt", "(Tensor xg, Tensor h0, Tensor w_hh, Tensor? drop, Tensor? keep, bool relu, "
                     "Tensor? out_mask) -> (Tensor, Tensor)", _ElmanBPTT.apply)
_GRU_OP = register("gru_bptt", "(Tensor xw, Tensor h0, Tensor w_hh, Tensor b_hh, Tensor? keep, Tensor? out_mask) "
                   "-> (Tensor, Tensor)", _GRUBPTT.apply)
