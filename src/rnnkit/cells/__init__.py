"""The recurrent families, one file each: parameters, initialisation and the math of one time step.

``make_cell("lstm", hidden_size, forget_bias=1.0)`` builds a family's definition by name (what
:class:`rnnkit.Recurrent` uses). ``make_cell_module("gru", input_size, hidden_size)`` gives a single
cell with its own parameters for step-by-step use, like ``torch.nn.GRUCell``. Presets of initial values
from the literature (``le2015("irnn")``: the IRNN paper's starts) are in :mod:`rnnkit.cells.presets`.
"""

from __future__ import annotations

from typing import Any

from rnnkit.cells.base import Cell, CellModule, State
from rnnkit.cells.clockwork import Clockwork
from rnnkit.cells.elman import IRNN, ElmanReLU, ElmanTanh
from rnnkit.cells.gru import GRU
from rnnkit.cells.lstm import LSTM
from rnnkit.cells.minimal import MinGRU, MinLSTM
from rnnkit.cells.presets import LE2015, le2015

CELLS: dict[str, type[Cell]] = {
    cls.name: cls for cls in (ElmanTanh, ElmanReLU, IRNN, LSTM, GRU, Clockwork, MinGRU, MinLSTM)
}

__all__ = [
    "CELLS",
    "GRU",
    "IRNN",
    "LE2015",
    "LSTM",
    "MinGRU",
    "MinLSTM",
    "Cell",
    "CellModule",
    "Clockwork",
    "ElmanReLU",
    "ElmanTanh",
    "State",
    "le2015",
    "make_cell",
    "make_cell_module",
]


def make_cell(name: str, hidden_size: int, **options: Any) -> Cell:
    """The family ``name`` (one of ``CELLS``) for ``hidden_size`` units, with its options checked."""
    try:
        cls = CELLS[name]
    except KeyError:
        raise ValueError(f"unknown cell {name!r}; expected one of: {', '.join(CELLS)}") from None
    try:
        return cls(hidden_size, **options)
    except TypeError as exc:
        raise ValueError(f"cell {name!r}: {exc}") from None


def make_cell_module(name: str, input_size: int, hidden_size: int, bias: bool = True, **options: Any) -> CellModule:
    """A single ``name`` cell with its own parameters (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``)."""
    return CellModule(make_cell(name, hidden_size, **options), input_size, bias=bias)
