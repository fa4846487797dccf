"""The regularisers of a recurrent layer, as options of :class:`rnnkit.Recurrent` (and ``rnnkit train``).

- ``weight_drop=p``: DropConnect on the recurrent weights W_hh (Merity, Keskar & Socher 2017, AWD-LSTM):
  one fresh mask on the matrix per forward pass in training, scaled by 1/(1 − p), applied to the weight
  before the sequence kernel is called, so torch's fused kernel still runs. Any cell.
- ``recurrent_dropout=p``: variational dropout on the recurrent connections (Gal & Ghahramani 2016,
  Keras's ``recurrent_dropout``): one mask per sequence on h_{t-1} before the recurrent product, the same
  at every step. Cells whose h_{t-1} enters only through that product: LSTM, Elman (tanh, ReLU), IRNN.
- ``zoneout=p`` (or ``(p_c, p_h)`` for the LSTM's cell and hidden state; Krueger et al. 2017): in
  training each unit of the state keeps its previous value with probability p (a fresh mask per step);
  at evaluation the expectation, p·previous + (1 − p)·new. Any cell.
- ``layer_norm=True``: the layer-normalised LSTM (Ba, Kiros & Hinton 2016, eqs. 20–22):
      [i, f, g, o] = LN(W_ih x_t; γ_ih, b_ih) + LN(W_hh h_{t-1}; γ_hh, b_hh)
      c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g),   h_t = σ(o) ⊙ tanh(LN(c_t; γ_c, β_c))
  Each LN normalises the whole pre-activation (all four gate blocks together, 4H features, as in the
  paper), then applies its gain γ and shift; the layer's own ``bias_ih`` / ``bias_hh`` are the shifts
  of the two gate normalisations (so the forget-gate bias still starts at ``forget_bias``). New
  parameters per layer and direction: ``ln_weight_ih_l0`` and ``ln_weight_hh_l0`` (4H, start at 1),
  ``ln_weight_c_l0`` (H, 1) and ``ln_bias_c_l0`` (H, 0). LSTM only.

Eval mode is deterministic: no masks, zoneout by its expectation. Recurrent dropout, zoneout and layer
normalisation change the recurrence itself, where torch has no kernel: the LSTM, the GRU and the Elman
cells (tanh, ReLU, IRNN) then run the hand-written BPTT of :mod:`rnnkit.bptt`, the Clockwork RNN (zoneout)
its own (``_ClockworkBPTT``; with periods that do not divide each other, :func:`regularised_step` in a
loop). ``impl="reference"`` forces the loop for every cell.
``Recurrent.step`` draws fresh masks at each call; for one mask per sequence run ``forward`` over the
sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnkit.bptt import LN_EPS, elman_sequence, gru_sequence, lstm_sequence
from rnnkit.cells import GRU, LSTM, Cell, Clockwork, ElmanReLU, ElmanTanh, State
from rnnkit.dropout import bernoulli, dropout

if TYPE_CHECKING:
    from rnnkit.recurrent import Recurrent

__all__ = ["LN_PARAMETERS", "RECURRENT_DROPOUT_CELLS", "Regularisers", "regularised_step", "runs_bptt", "sample_masks"]

#: cells whose previous output h_{t-1} enters the step only through W_hh h_{t-1}
RECURRENT_DROPOUT_CELLS = frozenset({"lstm", "rnn_tanh", "rnn_relu", "irnn"})
#: the layer-normalised LSTM's parameters (name prefix, number of hidden_size blocks, initial value)
LN_PARAMETERS = (("ln_weight_ih", 4, 1.0), ("ln_weight_hh", 4, 1.0), ("ln_weight_c", 1, 1.0), ("ln_bias_c", 1, 0.0))

LayerNorm = tuple[Tensor, Tensor, Tensor, Tensor]  # γ_ih, γ_hh, γ_c, β_c


def _rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name}: expected a probability from 0 to below 1, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Regularisers:
    """The regularisers of one :class:`Recurrent` (see the module docstring); all off by default."""

    weight_drop: float = 0.0
    recurrent_dropout: float = 0.0
    zoneout: float | tuple[float, float] = 0.0
    layer_norm: bool = False

    @classmethod
    def build(cls, cell: Cell, proj_size: int, impl: str, *, weight_drop: float = 0.0, recurrent_dropout: float = 0.0,
              zoneout: float | tuple[float, float] | list[float] = 0.0, layer_norm: bool = False) -> Regularisers:
        """Checked options for ``cell``: a ValueError names the first one out of range or not supported."""
        if isinstance(zoneout, (tuple, list)):
            if len(zoneout) != 2 or not cell.has_cell_state:
                raise ValueError(f"zoneout: a pair (cell, hidden) is for the LSTM; {cell.name!r} takes one rate")
            zoneout = (_rate("zoneout", zoneout[0]), _rate("zoneout", zoneout[1]))
            zoneout = zoneout if any(zoneout) else 0.0
        else:
            zoneout = _rate("zoneout", zoneout)
        if not isinstance(layer_norm, bool):
            raise ValueError(f"layer_norm: expected true or false, got {layer_norm!r}")
        reg = cls(_rate("weight_drop", weight_drop), _rate("recurrent_dropout", recurrent_dropout), zoneout, layer_norm)
        if reg.weight_drop and not getattr(cell, "recurrent", True):
            raise ValueError(f"weight_drop: cell {cell.name!r} has no recurrent weights to drop")
        if reg.recurrent_dropout and cell.name not in RECURRENT_DROPOUT_CELLS:
            raise ValueError(f"recurrent_dropout: cell {cell.name!r} reads h_(t-1) outside the recurrent product; "
                             f"supported cells: {', '.join(sorted(RECURRENT_DROPOUT_CELLS))}")
        if layer_norm and not isinstance(cell, LSTM):
            raise ValueError(f"layer_norm: the layer-normalised cell is the LSTM, not {cell.name!r}")
        if proj_size and reg.changes_recurrence():
            raise ValueError("recurrent_dropout, zoneout and layer_norm do not combine with proj_size")
        if impl == "fused" and reg.changes_recurrence():
            raise ValueError("recurrent_dropout, zoneout and layer_norm change the recurrence: torch has no fused "
                             "kernel for it; use impl='auto' or 'reference'")
        return reg

    def zoneout_rates(self, cell: Cell) -> tuple[float, ...]:
        """The zoneout rate of each state tensor, in the state's order ((h, c) for the LSTM)."""
        if isinstance(self.zoneout, tuple):
            return self.zoneout[1], self.zoneout[0]
        return (self.zoneout,) * (2 if cell.has_cell_state else 1)

    def changes_recurrence(self) -> bool:
        """True when an option changes the step's math (every option but weight_drop)."""
        return bool(self.recurrent_dropout or self.zoneout or self.layer_norm)

    def in_loop(self, training: bool) -> bool:
        """True when the recurrence cannot run on torch's fused kernel in this mode."""
        return bool(self.layer_norm or self.zoneout or (training and self.recurrent_dropout))

    def options(self) -> dict[str, Any]:
        """The options that are on, as ``Recurrent`` keywords (what model configs store)."""
        values = {"weight_drop": self.weight_drop, "recurrent_dropout": self.recurrent_dropout,
                  "zoneout": list(self.zoneout) if isinstance(self.zoneout, tuple) else self.zoneout,
                  "layer_norm": self.layer_norm}
        return {k: v for k, v in values.items() if v}

    def drop_weight(self, weight_hh: Tensor, training: bool) -> Tensor:
        """``weight_hh`` with DropConnect applied (a fresh mask) in training, else itself."""
        return dropout(weight_hh, self.weight_drop) if training and self.weight_drop else weight_hh

    def flat_weights(self, layer: Recurrent) -> list[Tensor]:
        """The layer's flat weights as its kernel takes them, each W_hh dropped in training."""
        if not (layer.training and self.weight_drop):
            return layer._flat_weights
        return [self.drop_weight(w, True) if name.startswith("weight_hh") else w
                for w, name in zip(layer._flat_weights, layer._flat_weights_names, strict=True)]


# -- parameters of the layer-normalised LSTM -------------------------------------------------------
def _suffix(layer: int, direction: int) -> str:
    return f"_l{layer}{'_reverse' if direction == 1 else ''}"


def add_layer_norm(module: Recurrent) -> None:
    """Register the gains and shifts of the layer-normalised LSTM on ``module`` and initialise them."""
    like = module.weight_ih_l0
    for layer in range(module.num_layers):
        for direction in range(module.num_directions):
            for name, blocks, _ in LN_PARAMETERS:
                size = blocks * module.hidden_size
                module.register_parameter(name + _suffix(layer, direction),
                                          nn.Parameter(torch.empty(size, dtype=like.dtype, device=like.device)))
    reset_layer_norm(module)


@torch.no_grad()
def reset_layer_norm(module: Recurrent) -> None:
    """Gains to 1, shifts to 0 (a no-op without layer normalisation)."""
    for name, param in module.named_parameters(recurse=False):
        for prefix, _, value in LN_PARAMETERS:
            if name.startswith(prefix + "_l"):
                param.fill_(value)


def layer_norm_of(module: Recurrent, layer: int, direction: int = 0) -> LayerNorm | None:
    """(γ_ih, γ_hh, γ_c, β_c) of one layer and direction, or None without layer normalisation."""
    if not module.reg.layer_norm:
        return None
    return tuple(getattr(module, name + _suffix(layer, direction)) for name, _, _ in LN_PARAMETERS)  # type: ignore[return-value]


# -- the math -------------------------------------------------------------------------------------
def input_projection(x: Tensor, w_ih: Tensor, b_ih: Tensor | None, ln: LayerNorm | None) -> Tensor:
    """The hoisted input part of the pre-activation: W_ih x + b_ih, or LN(W_ih x; γ_ih, b_ih)."""
    if ln is None:
        return F.linear(x, w_ih, b_ih)
    return F.layer_norm(F.linear(x, w_ih), (w_ih.shape[0],), ln[0], b_ih, LN_EPS)


def ln_lstm_step(xw: Tensor, state: tuple[Tensor, Tensor], w_hh: Tensor, b_hh: Tensor | None,
                 ln: LayerNorm, eps: float = LN_EPS) -> tuple[Tensor, Tensor]:
    """One step of the layer-normalised LSTM; ``xw`` from :func:`input_projection` (see the module docstring).
    ``eps`` is a parameter so that the function compiles with ``torch.jit.script`` (:mod:`rnnkit.export_loop`)."""
    h, c = state
    r = F.layer_norm(F.linear(h, w_hh), (w_hh.shape[0],), ln[1], b_hh, eps)
    i, f, g, o = (xw + r).chunk(4, dim=-1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(F.layer_norm(c, ln[2].shape, ln[2], ln[3], eps))
    return h, c


def regularised_step(cell: Cell, xw: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, t: int,
                     ln: LayerNorm | None = None, drop: Tensor | None = None,
                     keep: tuple[Tensor, ...] | None = None) -> State:
    """One step with the regularisers: the reference that every fast path is tested against.

    ``drop`` (B, H): recurrent-dropout mask (scaled) on h_{t-1}; ``keep``: zoneout keep factors per
    state tensor (1 holds the previous value, 0 takes the new one).
    """
    h = cell.output_of(state)
    hr = h if drop is None else h * drop
    masked: State = (hr, *state[1:]) if isinstance(state, tuple) else hr
    new = ln_lstm_step(xw, masked, w_hh, b_hh, ln) if ln is not None else cell.step(xw, masked, w_hh, b_hh, t)  # type: ignore[arg-type]
    if keep is None:
        return new
    # n + k (s − n): the zoneout blend, in whatever dtypes autocast left the parts in
    if isinstance(new, tuple):
        return tuple(n + k * (s - n) for n, s, k in zip(new, state, keep, strict=True))
    return new + keep[0] * (state - new)  # type: ignore[operator]


def sample_masks(reg: Regularisers, cell: Cell, steps: int, batch: int, like: Tensor, training: bool,
                 mask: Tensor | None = None) -> tuple[Tensor | None, tuple[Tensor, ...] | None]:
    """The recurrent-dropout mask (B, H) and the zoneout keep factors (T, B, H) of one sequence.

    In evaluation there is no dropout mask and the keep factors are the zoneout rates. ``mask`` (T, B, 1)
    marks the valid steps of a padded batch: past a length every keep factor is 1, so the row holds.
    """
    hidden = cell.hidden_size
    drop = None
    if training and reg.recurrent_dropout:
        p = reg.recurrent_dropout
        drop = bernoulli((batch, hidden), 1.0 - p, like).div_(1.0 - p)
    rates = reg.zoneout_rates(cell)
    keep: tuple[Tensor, ...] | None = None
    if any(rates):
        if training:
            keep = tuple(bernoulli((steps, batch, hidden), p, like) for p in rates)
        else:
            keep = tuple(like.new_full((1, 1, 1), p).expand(steps, 1, 1) for p in rates)
    if mask is not None:
        one = like.new_ones(())
        zeros = (like.new_zeros(()),) * len(rates)
        keep = tuple(torch.where(mask, k, one) for k in (keep or zeros))
    return drop, keep


# -- one layer and direction, and one step --------------------------------------------------------
def run_regularised(module: Recurrent, seq: Tensor, state: State, layer: int, direction: int,
                    mask: Tensor | None, offset: int,
                    weights: tuple[Tensor, Tensor, Tensor | None, Tensor | None]) -> tuple[Tensor, State]:
    """One layer and direction over time-major ``seq`` (T, B, I) with the module's regularisers; ``weights``
    are its (W_ih, W_hh, b_ih, b_hh)."""
    cell, reg = module.cell_def, module.reg
    w_ih, w_hh, b_ih, b_hh = weights
    w_hh = cell.prepare(reg.drop_weight(w_hh, module.training))
    ln = layer_norm_of(module, layer, direction)
    fast = runs_bptt(module) and isinstance(cell, (LSTM, GRU, ElmanTanh, ElmanReLU))
    loop_ln = None  # the LSTM loop's (γ_ih, shift, γ_hh, γ_c, β_c)
    if fast and ln is not None:
        # the LSTM's loop normalises the raw projection itself, step by step; both biases are its shift
        xg = F.linear(seq, w_ih)
        loop_ln = (ln[0], sum((b for b in (b_ih, b_hh) if b is not None), xg.new_zeros(xg.shape[-1])), *ln[1:])
    elif fast and isinstance(cell, (LSTM, ElmanTanh, ElmanReLU)) and b_hh is not None:
        # both biases sit outside the recurrent product: fold b_hh into the hoisted projection's bias,
        # one (4H,) sum instead of a (T, B, 4H) one in the backward
        xg = input_projection(seq, w_ih, b_ih + b_hh, ln)  # type: ignore[operator]
        b_hh = None
    else:
        xg = input_projection(seq, w_ih, b_ih, ln)
    drop, keep = sample_masks(reg, cell, seq.shape[0], seq.shape[1], xg, module.training, mask)
    if module._own_loops() and isinstance(cell, Clockwork):  # its own BPTT (prefix periods), else the loop
        done = cell.sequence(xg, state, w_hh, b_hh, mask, offset, None if keep is None else keep[0])  # type: ignore[arg-type]
        if done is not None:
            return done
    if fast and isinstance(cell, GRU):
        b_hh = b_hh if b_hh is not None else w_hh.new_zeros(w_hh.shape[0])
        return gru_sequence(xg, state, w_hh, b_hh, None if keep is None else keep[0], mask)  # type: ignore[arg-type]
    if fast:
        if isinstance(cell, LSTM):
            h0, c0 = state  # type: ignore[misc]
            return lstm_sequence(xg, h0, c0, w_hh, loop_ln, drop, keep, mask, consume_xg=True)  # type: ignore[arg-type]
        return elman_sequence(xg, state, w_hh, isinstance(cell, ElmanReLU), drop, None if keep is None else keep[0],  # type: ignore[arg-type]
                              mask)
    outs = []
    # unbind, not xg[t] (as Recurrent._run): one backward for all the steps instead of one of all of xg per step
    keeps = [None] * seq.shape[0] if keep is None else list(zip(*(k.unbind(0) for k in keep), strict=True))
    for t, (xg_t, keep_t) in enumerate(zip(xg.unbind(0), keeps, strict=True)):
        state = regularised_step(cell, xg_t, state, w_hh, b_hh, t + offset, ln, drop, keep_t)
        outs.append(cell.output_of(state))
    out = torch.stack(outs)
    return (out if mask is None else out * mask), state


def runs_bptt(module: Recurrent) -> bool:
    """Whether :func:`run_regularised` runs the module's recurrence as one autograd Function (the hand-written
    BPTT of :mod:`rnnkit.bptt`, the Clockwork RNN's), which ``torch.jit.trace`` records as one call that takes
    any length. Not with ``impl="reference"`` nor under the TorchScript-based ONNX export
    (``Recurrent._own_loops``), nor the LSTM's under ``torch.jit.trace``: the tracer records its forward's
    in-place writes and native kernels too, unrolled over the traced length (refused at another length, and
    at any with gradients on: ``out=`` ops), so a trace takes the step loop, which equals it."""
    cell = module.cell_def
    if not module._own_loops():
        return False
    if isinstance(cell, LSTM):
        return not torch.jit.is_tracing()
    return isinstance(cell, (GRU, ElmanTanh, ElmanReLU)) or isinstance(cell, Clockwork) and cell.traces_any_length()


def step_regularised(module: Recurrent, x: Tensor, state: State, layer: int,
                     weights: tuple[Tensor, Tensor, Tensor | None, Tensor | None], t: int) -> State:
    """One step of one layer (``Recurrent.step``), with masks drawn for this call alone; ``weights`` are
    the layer's (W_ih, W_hh, b_ih, b_hh), W_hh already dropped (``weight_drop``)."""
    cell = module.cell_def
    w_ih, w_hh, b_ih, b_hh = weights
    ln = layer_norm_of(module, layer)
    xw = input_projection(x, w_ih, b_ih, ln)
    drop, keep = sample_masks(module.reg, cell, 1, x.shape[0], xw, module.training)
    return regularised_step(cell, xw, state, cell.prepare(w_hh), b_hh, t, ln, drop,
                            None if keep is None else tuple(k[0] for k in keep))
