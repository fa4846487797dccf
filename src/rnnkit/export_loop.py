"""rnnkit's own time loops as ONNX Loops: the Clockwork RNN, zoneout and the layer-normalised LSTM in an export.

Under the TorchScript-based ONNX export (``torch.onnx.export(..., dynamo=False)``, what :mod:`rnnkit.export` runs) a
layer that runs rnnkit's Python step loop (a cell without a fused torch kernel or scan, zoneout, layer normalisation,
``impl="reference"``) would be traced unrolled over the traced length: a file that refuses any other length.
:func:`run_layer` runs such a layer and direction instead as :func:`_loop`, compiled by ``torch.jit.script``, which
the exporter writes as one ONNX Loop whose trip count is the input's length. Each step is the cell's own step
(compiled: ``LSTM.step``, ``GRU.step``, the Elman steps, :func:`rnnkit.regularisers.ln_lstm_step`), or for the
Clockwork RNN :func:`_clockwork_step` (its step with the clock a tensor) and for minGRU and minLSTM their
``a ⊙ h + b`` from coefficients computed for every step at once. Zoneout is its evaluation form, the blend
n + p (s − n) of :func:`rnnkit.regularisers.regularised_step`; past a row's length its state holds and its output is
0, as in rnnkit's loop; the reverse direction is rnnkit's own (each row reversed within its length around the
loop). Only in eval mode and only under that export (:func:`takes_over`): training and evaluation are untouched.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.cells import GRU, LSTM, Cell, Clockwork, ElmanReLU, ElmanTanh, MinGRU, MinLSTM, State
from rnnkit.regularisers import input_projection, layer_norm_of, ln_lstm_step

if TYPE_CHECKING:
    from rnnkit.recurrent import Recurrent

__all__ = ["LOOPED_CELLS", "exportable", "run_layer", "takes_over"]

#: each cell family's step in :func:`_loop` (an ElmanReLU's covers the IRNN)
LOOPED_CELLS: dict[type[Cell], str] = {LSTM: "lstm", GRU: "gru", ElmanTanh: "rnn_tanh", ElmanReLU: "rnn_relu",
                                       Clockwork: "clockwork", MinGRU: "linear", MinLSTM: "linear"}
# the cells' own steps as plain functions, so that torch.jit.script compiles them where _step calls them
_lstm_step, _gru_step, _tanh_step, _relu_step = LSTM.step, GRU.step, ElmanTanh.step, ElmanReLU.step


def _kind(module: Recurrent) -> str | None:
    """The step :func:`_loop` runs for ``module``'s cell, or None where it has none (a projected LSTM, a cell of
    another family)."""
    if module.proj_size:
        return None
    if module.reg.layer_norm:
        return "ln_lstm"
    return next((kind for cls, kind in LOOPED_CELLS.items() if isinstance(module.cell_def, cls)), None)


def _own_loop(module: Recurrent) -> bool:
    """Whether ``module``'s forward in eval mode under the export runs rnnkit's step loop (not torch's fused kernel,
    nor minGRU's and minLSTM's scan, which export as they are)."""
    if module.reg.in_loop(training=False):
        return True
    cell, own = module.cell_def, module.impl != "reference"
    return not (own and (cell.fusable() or cell.exports_sequence))


def exportable(module: Recurrent) -> bool:
    """Whether ``module`` in eval mode exports for any length (what :func:`rnnkit.export.export_onnx` asks): not an
    LSTM with ``proj_size``, which neither torch's exporter (no ONNX form of its projection) nor this loop writes."""
    return not module.proj_size and (not _own_loop(module) or _kind(module) is not None)


def takes_over(module: Recurrent) -> bool:
    """Whether :func:`run_layer` runs ``module``'s layers now: under the TorchScript-based ONNX export, in eval mode
    (no masks drawn), where rnnkit's step loop would run."""
    return (torch.onnx.is_in_onnx_export() and torch.jit.is_tracing() and not module.training and _own_loop(module)
            and _kind(module) is not None)


def run_layer(module: Recurrent, seq: Tensor, state: State, layer: int, direction: int, mask: Tensor | None,
              offset: int | Tensor, weights: tuple[Tensor, Tensor | None, Tensor | None, Tensor | None],
              ) -> tuple[Tensor, State]:
    """One layer and direction over time-major ``seq`` (T, B, I) as ``Recurrent._forward_reference``'s loop takes
    it (``mask`` (T, B, 1) of the real steps or None, ``offset`` the clock of step 0, ``weights`` its (W_ih, W_hh,
    b_ih, b_hh)): ``(outputs, final state)``."""
    cell, kind = module.cell_def, _kind(module)
    w_ih, w_hh, b_ih, b_hh = weights
    ln = layer_norm_of(module, layer, direction)
    xw = input_projection(seq, w_ih, b_ih, ln)
    if kind == "linear":  # minGRU's, minLSTM's a_t and b_t of every step at once: x_t alone decides them
        xw, w_hh = torch.cat(cell.coefficients(xw), dim=-1), xw.new_zeros(0)  # type: ignore[attr-defined]
    else:
        w_hh = cell.prepare(w_hh)
    h0, c0 = state if isinstance(state, tuple) else (state, state)
    if mask is None:
        mask = torch.ones_like(xw[..., :1], dtype=torch.bool)
    rates = module.reg.zoneout_rates(cell) if module.reg.zoneout else (0.0, 0.0)
    periods = cell._unit_periods if isinstance(cell, Clockwork) else xw.new_zeros(0, dtype=torch.long)
    relu = getattr(cell, "nonlinearity", "") == "relu"
    # the exporter passes even forward's default offset 0 as a tensor: a constant of the file, as Clockwork.step has it
    clock = torch.tensor(int(offset), dtype=torch.long)
    out, h, c = _scripted_loop()(kind, xw, h0, c0, w_hh, b_hh, list(ln or ()), mask, rates[0], rates[-1], periods,
                                 clock, relu)
    return out, ((h, c) if cell.has_cell_state else h)


def _clockwork_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, periods: Tensor, clock: Tensor,
                    relu: bool) -> Tensor:
    """The Clockwork RNN's step (``Clockwork.step`` with the clock a tensor): the units whose period divides
    ``clock`` update, the others keep their state; ``periods`` (H,) each unit's."""
    pre = xw + F.linear(h, w_hh, b_hh)
    return torch.where(torch.remainder(clock, periods) == 0, torch.relu(pre) if relu else torch.tanh(pre), h)


def _step(kind: str, xw: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None, ln: list[Tensor],
          periods: Tensor, clock: Tensor, relu: bool) -> tuple[Tensor, Tensor]:
    """One step of the cell ``kind`` (a constant of the export: the other branches are dropped from the file)."""
    if kind == "lstm":
        return _lstm_step(xw, (h, c), w_hh, b_hh, 0)
    if kind == "ln_lstm":
        return ln_lstm_step(xw, (h, c), w_hh, b_hh, (ln[0], ln[1], ln[2], ln[3]))
    if kind == "gru":
        return _gru_step(xw, h, w_hh, b_hh, 0), c
    if kind == "rnn_tanh":
        return _tanh_step(xw, h, w_hh, b_hh, 0), c
    if kind == "rnn_relu":
        return _relu_step(xw, h, w_hh, b_hh, 0), c
    if kind == "linear":  # minGRU, minLSTM (their Cell.step): xw holds [a_t, b_t]
        a, b = xw.chunk(2, dim=-1)
        return a * h + b, c
    return _clockwork_step(xw, h, w_hh, b_hh, periods, clock, relu), c


def _loop(kind: str, xw: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None, ln: list[Tensor],
          mask: Tensor, zoneout_h: float, zoneout_c: float, periods: Tensor, clock: Tensor,
          relu: bool) -> tuple[Tensor, Tensor, Tensor]:
    """The time loop of :func:`run_layer`: ``(outputs (T, B, H), h_T, c_T)`` (c is h's twin for a cell without a
    cell state); a row's state holds past its length and its output there is 0."""
    outs: list[Tensor] = []
    for t in range(xw.shape[0]):
        new_h, new_c = _step(kind, xw[t], h, c, w_hh, b_hh, ln, periods, clock + t, relu)
        if zoneout_h != 0.0:  # zoneout's expectation, n + p (s − n)
            new_h = new_h + zoneout_h * (h - new_h)
        if zoneout_c != 0.0:
            new_c = new_c + zoneout_c * (c - new_c)
        h, c = torch.where(mask[t], new_h, h), torch.where(mask[t], new_c, c)
        outs.append(torch.where(mask[t], h, torch.zeros_like(h)))
    return torch.stack(outs), h, c


@functools.cache
def _scripted_loop() -> Any:
    """:func:`_loop` compiled by ``torch.jit.script`` (once, when first exported)."""
    return torch.jit.script(_loop)
