"""Time loops with their backward passes written out: the fast path of the regularised LSTM and Elman RNN.

torch's fused LSTM kernel computes the plain cell only. With variational recurrent dropout, zoneout or
layer normalisation inside the recurrence (:mod:`rnnkit.regularisers`) the step loop would pay autograd's
bookkeeping for some twenty small operations per step, forwards and backwards. :func:`lstm_sequence`
runs the recurrence without building a graph, keeps only what the backward needs (the states, the gate
activations, the normalised pre-activations and their inverse deviations), and walks the steps in
reverse itself; the recurrent weight's gradient is one product over all steps at the end. It equals
autograd through the reference step (``tests/test_regularisers.py``, float64, and ``gradcheck``).

One step, with ``xg_t`` the hoisted input part of the pre-activation (all biases folded in):
    r_t = W_hh (m ⊙ h_{t-1})                              m: recurrent-dropout mask (or 1)
    z_t = xg_t + [LN(r_t) ⊙ γ_hh  or  r_t]                  gates [i, f, g, o], torch.nn's order
    c'_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g)
    h'_t = σ(o) ⊙ tanh([LN(c'_t) ⊙ γ_c + β_c  or  c'_t])
    c_t = k^c_t ⊙ c_{t-1} + (1 − k^c_t) ⊙ c'_t,  h_t = k^h_t ⊙ h_{t-1} + (1 − k^h_t) ⊙ h'_t
``k`` is the zoneout keep factor (a 0/1 mask in training, the rate at evaluation), and 1 past a
sequence's length so that a finished row holds its state; LN normalises over the whole vector
(4H features for r_t, H for c'_t) without gain or shift of its own (γ, β are applied here).
:func:`elman_sequence` is the same for the Elman RNN (recurrent dropout and zoneout).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

__all__ = ["LN_EPS", "elman_sequence", "gru_sequence", "lstm_sequence"]

#: epsilon of every layer normalisation in the regularised LSTM (torch.nn.LayerNorm's default)
LN_EPS = 1e-5


def _ln_backward(grad: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, gain: Tensor,
                 shift: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
    """dL/dx of LN(x) ⊙ gain (+ shift) over the last dimension, and this call's share of the gain's (and
    shift's) gradients summed over the batch, in one kernel (the ``out=`` variant copies: slower)."""
    return torch.ops.aten.native_layer_norm_backward(grad, x, [x.shape[-1]], mean, rstd, gain, shift,
                                                     [True, True, shift is not None])


def lstm_sequence(
    xg: Tensor,
    h0: Tensor,
    c0: Tensor,
    w_hh: Tensor,
    ln: tuple[Tensor, Tensor, Tensor] | None = None,
    drop: Tensor | None = None,
    keep: tuple[Tensor, Tensor] | None = None,
    out_mask: Tensor | None = None,
    consume_xg: bool = False,
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """Run the regularised LSTM over ``xg`` (T, B, 4H); returns ``(output (T, B, H), (h_T, c_T))``.

    ``ln``: the gains and shift ``(γ_hh (4H), γ_c (H), β_c (H))`` of a layer-normalised LSTM, or None.
    ``drop`` (B, H): the recurrent-dropout mask, already scaled by 1/(1 − p). ``keep``: the zoneout keep
    factors ``(k^h, k^c)``, each (T, B, H) or broadcastable to it (see the module docstring).
    ``out_mask`` (T, B, 1) bool: outputs past a sequence's length are zero.
    ``consume_xg``: the caller has no further use for ``xg`` (nor has the operation that made it, as
    ``F.linear``'s and ``F.layer_norm``'s backwards do not read their outputs): the gate activations are
    written over it, which saves a (T, B, 4H) buffer. Should a graph still need it, autograd's version
    check refuses the backward (an error, never a wrong gradient).
    """
    device = xg.device.type
    if torch.is_autocast_enabled(device):  # the backward runs outside autocast: keep the loop in fp32
        with torch.autocast(device, enabled=False):
            args = [xg, h0, c0, w_hh, *(ln or (None,) * 3), drop, *(keep or (None, None))]
            out, h, c = _LSTMBPTT.apply(*[a.float() if a is not None else None for a in args], out_mask, consume_xg)
            return out, (h, c)
    g_hh, g_c, b_c = ln or (None, None, None)
    k_h, k_c = keep or (None, None)
    out, h, c = _LSTMBPTT.apply(xg, h0, c0, w_hh, g_hh, g_c, b_c, drop, k_h, k_c, out_mask, consume_xg)
    return out, (h, c)


class _LSTMBPTT(torch.autograd.Function):
    """Forward without a graph, saving the states and activations; backward through time by hand.

    Both loops do the fewest small operations a step: every per-step view is made once before the loop,
    results go with ``out=`` into preallocated buffers or in place, and the backward computes each step's
    gate factors while that step is in cache; only the weights' gradients are computed for all steps at
    once, after the loop."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, xg: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, g_hh: Tensor | None, g_c: Tensor | None,
        b_c: Tensor | None, drop: Tensor | None, k_h: Tensor | None, k_c: Tensor | None, out_mask: Tensor | None,
        consume_xg: bool,
    ) -> tuple[Tensor, Tensor, Tensor]:
        steps, batch, gates = xg.shape
        hidden = gates // 4
        ln = g_hh is not None
        hs = xg.new_empty(steps + 1, batch, hidden)
        cs = xg.new_empty(steps + 1, batch, hidden)
        hs[0], cs[0] = h0, c0
        # the pre-activations z_t, then σ(i), σ(f), tanh(g), σ(o) in place
        acts = xg if consume_xg and xg.is_contiguous() else torch.empty_like(xg)
        tc = xg.new_empty(steps, batch, hidden)  # tanh of the (normalised) cell
        # with layer norm: the inputs of both normalisations and their statistics (mean, rstd; r then c')
        r_in = xg.new_empty(steps, batch, gates) if ln else None
        c_in = (cs[1:] if k_c is None else xg.new_empty(steps, batch, hidden)) if ln else None
        moments: list[list[Tensor]] = [[], [], [], []]  # mean and rstd of r_t, then of c'_t, one per step
        c_blend = xg.new_empty(batch, hidden)  # scratch for the new cell when zoneout blends it (without LN)
        w_t = w_hh.t().contiguous()  # one copy: a transposed view would be copied at every step
        # every per-step view made once (unbind), so the loop indexes Python tuples, not tensors
        hs_, cs_, tc_, z_, xg_ = hs.unbind(0), cs.unbind(0), tc.unbind(0), acts.unbind(0), xg.unbind(0)
        i_, f_, g_, o_ = (acts[:, :, k * hidden : (k + 1) * hidden].unbind(0) for k in range(4))
        if_ = acts[:, :, : 2 * hidden].unbind(0)
        r_ = r_in.unbind(0) if ln else None
        # without zoneout (or lengths) the new cell state is written in place, else blended with the old
        c_out = cs_[1:] if k_c is None else c_in.unbind(0) if ln else (c_blend,) * steps
        kh_, kc_ = (k_h.unbind(0), k_c.unbind(0)) if k_h is not None else (None, None)
        for t in range(steps):
            h, c, z = hs_[t], cs_[t], z_[t]
            hr = h if drop is None else h * drop
            if ln:
                # the functional kernel, not its out= variant (that one computes, then copies)
                r_hat, mean, rstd = torch.native_layer_norm(torch.mm(hr, w_t, out=r_[t]), (gates,), None, None,
                                                            LN_EPS)
                moments[0].append(mean)
                moments[1].append(rstd)
                torch.addcmul(xg_[t], r_hat, g_hh, out=z)
            else:
                torch.addmm(xg_[t], hr, w_t, out=z)
            if_[t].sigmoid_()
            g_[t].tanh_()
            o_[t].sigmoid_()
            c_new = torch.mul(f_[t], c, out=c_out[t]).addcmul_(i_[t], g_[t])
            if ln:
                c_hat, mean, rstd = torch.native_layer_norm(c_new, (hidden,), None, None, LN_EPS)
                moments[2].append(mean)
                moments[3].append(rstd)
                torch.addcmul(b_c, c_hat, g_c, out=tc_[t]).tanh_()
            else:
                torch.tanh(c_new, out=tc_[t])
            if kh_ is None:
                torch.mul(o_[t], tc_[t], out=hs_[t + 1])
            else:
                torch.lerp(o_[t] * tc_[t], h, kh_[t], out=hs_[t + 1])
                torch.lerp(c_new, c, kc_[t], out=cs_[t + 1])
        stats = torch.stack([torch.stack(m) for m in moments]) if ln else None  # (4, T, B, 1)
        ctx.save_for_backward(hs, cs, acts, tc, w_hh, g_hh, g_c, b_c, r_in, c_in, stats, drop, k_h, k_c, out_mask)
        out = hs[1:].clone() if out_mask is None else hs[1:] * out_mask
        return out, hs[-1].clone(), cs[-1].clone()

    @staticmethod
    def backward(ctx: Any, g_out: Tensor, g_h: Tensor, g_c_last: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        hs, cs, acts, tc, w_hh, g_hh, g_c, b_c, r_in, c_in, stats, drop, k_h, k_c, out_mask = ctx.saved_tensors
        steps, batch, gates = acts.shape
        hidden = gates // 4
        ln = g_hh is not None
        if out_mask is not None:
            g_out = g_out * out_mask
        dz_all = torch.empty_like(acts)  # dL/dz_t, the input part's gradient
        dz4 = dz_all.view(steps, batch, 4, hidden)
        one = acts.new_ones(())
        d_pre = g_out.new_empty(batch, hidden)  # dL/d(the argument of the cell's tanh), reused every step
        gh_free = g_out.new_empty(batch, hidden)  # with zoneout: dL/dh'_t = (1 − k^h_t) dL/dh_t
        # with LN: dL/dr_t and each step's share of the gains' and shift's gradients, last step first
        dr_: list[Tensor] = []
        d_ln: list[list[Tensor]] = [[], [], []]  # γ_hh, γ_c, β_c
        if ln:
            st_, r_, c_ = [m.unbind(0) for m in stats.unbind(0)], r_in.unbind(0), c_in.unbind(0)
        # the per-step views made once, as in the forward
        g_out_, dz_, a_, cp_, tc_ = g_out.unbind(0), dz_all.unbind(0), acts.unbind(0), cs.unbind(0), tc.unbind(0)
        i_, f_, g_, o_ = (acts[:, :, k * hidden : (k + 1) * hidden].unbind(0) for k in range(4))
        dzi_, dzf_, dzg_, dzo_ = (d.unbind(0) for d in dz4.unbind(2))
        dz3_ = dz4[:, :, :3].unbind(0)  # the blocks that take dL/dc'_t
        kh_, kc_ = (k_h.unbind(0), k_c.unbind(0)) if k_h is not None else (None, None)
        gh = g_h + g_out_[-1]
        gc = g_c_last
        for t in range(steps - 1, -1, -1):
            if t < steps - 1:
                gh.add_(g_out_[t])
            # dz_t = [g σ'(i), c_{t-1} σ'(f), i tanh'(g)] ⊙ dL/dc'_t and tanh(c) σ'(o) ⊙ dL/dh'_t, built here
            # a step at a time while the step's activations are in cache (as bulk passes over (T, B, 4H)
            # buffers before the loop they cost more: memory traffic and first-touch page faults)
            torch.addcmul(a_[t], a_[t], a_[t], value=-1, out=dz_[t])  # σ'(·) = s − s² per block (g's next)
            torch.addcmul(one, g_[t], g_[t], value=-1, out=dzg_[t])  # tanh'(g)
            dzi_[t].mul_(g_[t])
            dzf_[t].mul_(cp_[t])
            dzg_[t].mul_(i_[t])
            dzo_[t].mul_(tc_[t])
            ghf = gh if kh_ is None else torch.addcmul(gh, gh, kh_[t], value=-1, out=gh_free)
            gc_new = torch.addcmul(one, tc_[t], tc_[t], value=-1, out=d_pre).mul_(o_[t]).mul_(ghf)
            if ln:
                gc_new, d_gain, d_shift = _ln_backward(d_pre, c_[t], st_[2][t], st_[3][t], g_c, b_c)
                d_ln[1].append(d_gain)
                d_ln[2].append(d_shift)
            gc_new = gc_new.add_(gc) if kc_ is None else gc_new.add_(gc).addcmul_(gc, kc_[t], value=-1)  # dL/dc'_t
            dz3_[t].mul_(gc_new.unsqueeze(1))
            dzo_[t].mul_(ghf)
            gc_prev = gc_new * f_[t]
            dr = dz_[t]
            if ln:
                dr, d_gain, _ = _ln_backward(dr, r_[t], st_[0][t], st_[1][t], g_hh, None)
                dr_.append(dr)
                d_ln[0].append(d_gain)
            dh = torch.mm(dr, w_hh)
            if drop is not None:
                dh.mul_(drop)
            if kh_ is None:
                gh, gc = dh, gc_prev
            else:
                gh = dh.addcmul_(gh, kh_[t])
                gc = gc_prev.addcmul_(gc, kc_[t])
        h_in = hs[:-1] if drop is None else hs[:-1] * drop
        dr_all = torch.stack(dr_[::-1]) if ln else dz_all
        d_w = dr_all.reshape(-1, gates).t().mm(h_in.reshape(-1, hidden))
        d_ghh, d_gc, d_bc = (torch.stack(d).sum(0) for d in d_ln) if ln else (None, None, None)
        return dz_all, gh, gc, d_w, d_ghh, d_gc, d_bc, None, None, None, None, None


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
            return _ElmanBPTT.apply(*args, relu, out_mask)
    return _ElmanBPTT.apply(xg, h0, w_hh, drop, keep, relu, out_mask)


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
            return _GRUBPTT.apply(*args, out_mask)
    return _GRUBPTT.apply(xw, h0, w_hh, b_hh, keep, out_mask)


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
