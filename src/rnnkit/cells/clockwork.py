"""Clockwork RNN (Koutník, Greff, Gomez & Schmidhuber 2014).

The hidden state is split into ``g`` modules with periods T_1 < T_2 < ... (default 1, 2, 4, ...; distinct and
ascending, as the paper's: a period given twice, or out of order, is refused). At step
t only the modules with t mod T_i == 0 update; the others keep their state exactly. Module i reads the
previous state of the modules at least as slow as itself (W_hh is block upper-triangular when modules
are ordered fast to slow), so slow modules carry long-range context and fast ones track detail.

When every period divides the next (the default powers of two) the active modules at any step are a
prefix of the state, and a step costs k·H multiply-adds for the k active units instead of H·H: the cost
per step falls with the number of active modules. Other period sets are computed in full and masked.
Parameters use torch.nn.RNN's layout (``weight_ih_l0`` etc.), so the counts compare directly.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.bptt import first_order
from rnnkit.cells.base import Cell
from rnnkit.jit_ops import register


def split_sizes(hidden_size: int, num_modules: int) -> list[int]:
    """Module sizes that add up to ``hidden_size``, as equal as possible (larger ones first)."""
    base, extra = divmod(hidden_size, num_modules)
    return [base + (1 if i < extra else 0) for i in range(num_modules)]


#: a period from which on a module updates only at step 0 of any clock a tensor holds (int64); the default
#: periods 2**i pass it from the 63rd module on
_NEVER = 2**62


class Clockwork(Cell):
    """Clockwork RNN cell (``cell="clockwork"``): modules with their own clock periods."""

    name = "clockwork"
    gates = 1
    torch_mode = "RNN_TANH"
    fused_kernel = None
    clocked = True

    def __init__(
        self,
        hidden_size: int,
        periods: list[int] | None = None,
        num_modules: int | None = None,
        nonlinearity: str = "tanh",
        init_ih: str = "xavier_uniform",
        init_hh: str = "orthogonal",
        bias_init: float = 0.0,
    ) -> None:
        super().__init__(hidden_size, init_ih=init_ih, init_hh=init_hh, bias_init=bias_init)
        if periods is None:
            g = num_modules if num_modules is not None else min(8, hidden_size)
            periods = [2**i for i in range(g)]
        periods = [int(p) for p in periods]
        if num_modules is not None and num_modules != len(periods):
            raise ValueError(f"clockwork: num_modules={num_modules} but {len(periods)} periods were given")
        if not periods or any(p < 1 for p in periods):
            raise ValueError(f"clockwork: periods must be positive integers, got {periods}")
        if any(b <= a for a, b in zip(periods, periods[1:], strict=False)):
            raise ValueError(f"clockwork: periods must be listed fast to slow (strictly ascending), got {periods}; "
                             "module i updates when t is a multiple of periods[i] and reads the modules slower than "
                             "itself, so each module has a period of its own (two of one period would be one module "
                             "with half its connections cut, by the order they were listed in)")
        if len(periods) > hidden_size:
            raise ValueError(f"clockwork: {len(periods)} modules do not fit in hidden_size={hidden_size}")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"clockwork: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.periods = periods
        self.nonlinearity = nonlinearity
        self.sizes = split_sizes(hidden_size, len(periods))
        self.starts = [sum(self.sizes[:i]) for i in range(len(self.sizes))]
        # unit -> module index, and whether active modules always form a prefix (each period divides the next)
        self.module_of_unit = torch.repeat_interleave(torch.arange(len(periods), device="cpu"),
                                                  torch.tensor(self.sizes, device="cpu"))
        self.prefix = all(b % a == 0 for a, b in zip(periods, periods[1:], strict=False))
        # the periods for a clock given as a tensor and for the traced operator (int64: one past _NEVER is read
        # as it), and each unit's
        self._int64_periods = [min(p, _NEVER) for p in periods]
        self._unit_periods = torch.tensor(self._int64_periods, device="cpu")[self.module_of_unit]
        self._act = torch.tanh if nonlinearity == "tanh" else torch.relu
        self._masks: dict[tuple[torch.device, torch.dtype], Tensor] = {}

    def options(self) -> dict[str, Any]:
        return {**super().options(), "periods": list(self.periods), "nonlinearity": self.nonlinearity}

    # -- structure --------------------------------------------------------------------------------
    def connectivity(self, dtype: torch.dtype = torch.float32, device: torch.device | None = None) -> Tensor:
        """(H, H) 0/1 mask: entry [i, j] is 1 when unit i may read unit j (j's module at least as slow)."""
        key = (torch.device(device) if device is not None else torch.device("cpu"), dtype)
        if key not in self._masks:
            m = self.module_of_unit.to(key[0])
            mask = (m.unsqueeze(1) <= m.unsqueeze(0)).to(dtype)
            if torch.jit.is_tracing():  # not kept: torch.jit.trace's check traces again, and must record the same
                return mask
            self._masks[key] = mask
        return self._masks[key]

    def active_modules(self, t: int) -> list[int]:
        """Indices of the modules that update at step ``t``."""
        return [i for i, p in enumerate(self.periods) if t % p == 0]

    def active_units(self, t: int) -> int:
        """With prefix structure: the number of leading units that update at step ``t``."""
        k = 0
        for size, p in zip(self.sizes, self.periods, strict=True):
            if t % p:
                break
            k += size
        return k

    @torch.no_grad()
    def reset_parameters(
        self, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None
    ) -> None:
        super().reset_parameters(weight_ih, weight_hh, bias_ih, bias_hh)
        weight_hh.mul_(self.connectivity(weight_hh.dtype, weight_hh.device))

    def prepare(self, weight_hh: Tensor) -> Tensor:
        # entries below the block diagonal never take part, whatever the stored weight holds
        return weight_hh * self.connectivity(weight_hh.dtype, weight_hh.device)

    # -- math -------------------------------------------------------------------------------------
    def step(self, xw: Tensor, state: Tensor, weight_hh: Tensor, bias_hh: Tensor | None, t: int | Tensor) -> Tensor:
        # a clock given as a tensor (a traced time_offset): which units update is computed. Not under the
        # TorchScript-based ONNX export, which passes even the default offset 0 as a tensor: it stays a constant
        if isinstance(t, Tensor) and not torch.onnx.is_in_onnx_export():
            active = torch.remainder(t.to(state.device), self._unit_periods.to(state.device)) == 0
            return torch.where(active, self._act(xw + F.linear(state, weight_hh, bias_hh)), state)
        if self.prefix:
            k = self.active_units(t)
            if k == 0:
                return state
            b = bias_hh[:k] if bias_hh is not None else None
            new = self._act(xw[:, :k] + F.linear(state, weight_hh[:k], b))
            return new if k == self.hidden_size else torch.cat([new, state[:, k:]], dim=1)
        active = torch.zeros(self.hidden_size, dtype=torch.bool, device=state.device)
        for i in self.active_modules(t):
            active[self.starts[i] : self.starts[i] + self.sizes[i]] = True
        return torch.where(active, self._act(xw + F.linear(state, weight_hh, bias_hh)), state)

    def traces_any_length(self) -> bool:
        return self.prefix  # other period sets run the step loop

    def sequence(
        self, xw: Tensor, state: Tensor, weight_hh: Tensor, bias_hh: Tensor | None, mask: Tensor | None, offset: int,
        keep: Tensor | None = None,
    ) -> tuple[Tensor, Tensor] | None:
        """Hand-written BPTT over the whole sequence (prefix structure only; else the step loop).

        ``keep``: zoneout keep factors (T, B, H) or broadcastable to it (:func:`rnnkit.regularisers.sample_masks`:
        a 0/1 mask in training, the rate at evaluation, 1 past a sequence's length); with it, ``mask`` only
        zeroes the outputs past a length and the keep factors hold the state there.
        """
        if not self.prefix:
            return None
        bias = bias_hh if bias_hh is not None else xw.new_zeros(self.hidden_size)
        relu = self.nonlinearity == "relu"
        device = xw.device.type
        if torch.is_autocast_enabled(device):
            # The hand-written backward runs outside autocast, so the loop runs in fp32 under
            # autocast too (only the hoisted input projection, computed by the caller, is in bf16/fp16).
            with torch.autocast(device, enabled=False):
                return self._bptt(xw.float(), state.float(), weight_hh.float(), bias.float(), mask, offset, relu,
                                  None if keep is None else keep.float())
        return self._bptt(xw, state, weight_hh, bias, mask, offset, relu, keep)

    def _bptt(self, xw: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor, mask: Tensor | None, offset: int | Tensor,
              relu: bool, keep: Tensor | None) -> tuple[Tensor, Tensor]:
        """:class:`_ClockworkBPTT`; under ``torch.jit.trace`` as ``torch.ops.rnnkit.clockwork_bptt``
        (:mod:`rnnkit.jit_ops`), with the clock a tensor, so that an offset given as one stays an input."""
        if torch.jit.is_tracing():
            clock = offset if isinstance(offset, Tensor) else torch.full((), offset, dtype=torch.long)
            return _CLOCKWORK_OP(xw, h0, w_hh, b_hh, mask, self.hidden_size, self._int64_periods, clock, relu, keep)
        return _ClockworkBPTT.apply(xw, h0, w_hh, b_hh, mask, self, offset, relu, keep)


class _ClockworkBPTT(torch.autograd.Function):
    """The Clockwork RNN's time loop with its backward pass written out, with zoneout.

    Forward runs without building a graph and keeps every state; backward walks the steps in reverse
    with one (B, k)·(k, H) product per step, and the recurrent weight's gradient is one product over
    all steps at the end. Equal to the step loop (tests), at a fraction of autograd's per-op overhead.
    With zoneout keep factors K the k units a step updates become h' + K ⊙ (h_{t-1} − h') (the blend of
    :func:`rnnkit.regularisers.regularised_step`, in its order); the units it does not update keep their
    state whatever K is, as in the step (there h' is the old value). The activations h' are then kept too.

    The clock schedule (how many units each step updates) is computed here from the cell, the clock of
    step 0 and the length of ``xw``, not passed in: ``torch.jit.trace`` records this function as one call
    with its non-tensor arguments fixed, so a schedule passed in would be the traced length's on any other.
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        xw: Tensor,
        h0: Tensor,
        w_hh: Tensor,
        b_hh: Tensor,
        mask: Tensor | None,
        cell: Clockwork,
        offset: int,
        relu: bool,
        keep: Tensor | None = None,
    ) -> tuple[Tensor, Tensor]:
        steps, batch, hidden = xw.shape
        ks = [cell.active_units(t + offset) for t in range(steps)]
        xwb = xw + b_hh  # both biases folded into the hoisted input projection, once
        hs = xw.new_empty(steps + 1, batch, hidden)
        acts = None if keep is None else xw.new_zeros(steps, batch, hidden)  # h' of the active units
        hs[0] = h0
        for t, k in enumerate(ks):
            prev, new = hs[t], hs[t + 1]
            new.copy_(prev)
            if not k:
                continue
            pre = torch.addmm(xwb[t, :, :k], prev, w_hh[:k].T, out=None if acts is None else acts[t, :, :k])
            pre.relu_() if relu else pre.tanh_()
            if keep is not None:  # h' + K (h − h'); the keep factors also hold a row past its length
                torch.sub(prev[:, :k], pre, out=new[:, :k]).mul_(keep[t][:, :k]).add_(pre)
            elif mask is not None:
                new[:, :k] = torch.where(mask[t], pre, prev[:, :k])
            else:
                new[:, :k] = pre
        out = hs[1:].clone() if mask is None else hs[1:] * mask
        ctx.save_for_backward(hs, acts, w_hh, mask, keep)
        ctx.ks, ctx.relu = ks, relu
        return out, hs[-1].clone()

    @staticmethod
    @first_order("the Clockwork RNN's hand-written BPTT")  # its in-place loop: the saved states as constants
    def backward(ctx: Any, g_out: Tensor, g_last: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        hs, acts, w_hh, mask, keep = ctx.saved_tensors
        steps, batch, hidden = g_out.shape
        dxw = g_out.new_zeros(steps, batch, hidden)
        if mask is not None:
            g_out = g_out * mask
        local = None
        if keep is not None:  # d h_{t+1} / d(pre-activation) of the active units, for all steps at once
            local = (acts > 0).to(acts.dtype) if ctx.relu else 1 - acts * acts
            local.mul_(1 - keep)
        g = g_last.clone() if g_last is not None else g_out.new_zeros(batch, hidden)
        for t in range(steps - 1, -1, -1):
            g += g_out[t]  # dL/dh_{t+1}, all paths
            k = ctx.ks[t]
            if not k:
                continue
            if local is not None:
                d = g[:, :k] * local[t, :, :k]
                g[:, :k] *= keep[t][:, :k]  # the share of the old value that reaches h_{t+1}
            else:
                a = hs[t + 1, :, :k]
                d = g[:, :k] * (a > 0) if ctx.relu else g[:, :k] * (1 - a * a)
                if mask is None:
                    g[:, :k] = 0  # the updated units' old values do not reach h_{t+1} directly
                else:
                    d *= mask[t]
                    g[:, :k] *= ~mask[t]  # a finished row keeps its state: the gradient passes through
            dxw[t, :, :k] = d
            g.addmm_(d, w_hh[:k])
        d_w = dxw.reshape(-1, hidden).T @ hs[:-1].reshape(-1, hidden)
        return dxw, g, d_w, dxw.sum((0, 1)), None, None, None, None, None


@functools.cache
def _clock(hidden_size: int, periods: tuple[int, ...]) -> Clockwork:
    """A cell with these sizes and periods: what :class:`_ClockworkBPTT` reads of one (its clock schedule). The
    traced operator's periods stop at :data:`_NEVER`, so the slowest may repeat it; they stay distinct here, as a
    cell's must, each still a module that updates only at step 0 of an int64 clock."""
    return Clockwork(hidden_size, [p if p < _NEVER else _NEVER + i for i, p in enumerate(periods)])


def _clockwork_op(xw: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor, mask: Tensor | None, hidden_size: int,
                  periods: list[int], clock: Tensor, relu: bool, keep: Tensor | None) -> tuple[Tensor, Tensor]:
    return _ClockworkBPTT.apply(xw, h0, w_hh, b_hh, mask, _clock(hidden_size, tuple(periods)), int(clock), relu, keep)


_CLOCKWORK_OP = register("clockwork_bptt", "(Tensor xw, Tensor h0, Tensor w_hh, Tensor b_hh, Tensor? mask, "
                         "int hidden_size, int[] periods, Tensor clock, bool relu, Tensor? keep) -> (Tensor, Tensor)",
                         _clockwork_op)
