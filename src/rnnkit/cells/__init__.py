"""The recurrent families, one file each: parameters, initialisation and the math of one time step.

``make_cell("lstm", hidden_size, forget_bias=1.0)`` builds a family's definition by name (what
:class:`rnnkit.Recurrent` uses). ``make_cell_module("gru", input_size, hidden_size)`` gives a single
cell with its own parameters for step-by-step use, like ``torch.nn.GRUCell``. Presets of initial values
from the literature (``le2015("irnn")``: the IRNN paper's starts) are in :mod:`rnnkit.cells.presets`.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from rnnkit.cells.base import Cell, CellModule, State
from rnnkit.cells.clockwork import Clockwork
from rnnkit.cells.elman import IRNN, ElmanReLU, ElmanTanh
from rnnkit.cells.gru import GRU
from rnnkit.cells.lstm import LSTM
from rnnkit.cells.minimal import MinGRU, MinLSTM
from rnnkit.cells.presets import LE2015, le2015
from rnnkit.errors import SettingError, check_type

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
    "UnknownCellOption",
    "checked_options",
    "le2015",
    "make_cell",
    "make_cell_module",
    "name_hint",
    "refuse_unused_options",
    "unused_options",
]


#: what torch.nn.RNN's ``nonlinearity=`` is here: the Elman cell's name (a torch user's keyword was refused unexplained)
_ELMAN_HINT = {(cell, "nonlinearity"): "; the Elman RNN's nonlinearity is its cell's name, 'rnn_tanh' or 'rnn_relu' "
               "(rnnkit.RNN takes nonlinearity= as torch.nn.RNN does)" for cell in ("rnn_tanh", "rnn_relu")}


class UnknownCellOption(TypeError, ValueError):
    """A keyword that neither :class:`rnnkit.Recurrent` nor its cell takes (``batchfirst=True``, ``hiden=8``):
    a TypeError, as Python's own for an unknown keyword and torch.nn.LSTM's, and a ValueError, as every other
    refused cell option."""


def name_hint(name: object) -> str:
    """What a user meant by a cell name rnnkit lacks, to end its refusal ("" when nothing is known): torch's mode in
    capitals (``"LSTM"``), the Hopfield memory (no cell: ``--cells hopfield`` was refused with only the cells' names),
    or ``Recurrent(8, 32)`` written as ``torch.nn.LSTM(8, 32)``, its input size taken for the cell."""
    if isinstance(name, str):
        if name.lower() == "hopfield":
            return ("; the Hopfield memory is no recurrent cell: rnnkit.Hopfield(N).store(patterns).recall(probe) "
                    "in Python, its capacity by python benchmarks/hopfield_capacity.py")
        return f" (did you mean {name.lower()!r}?)" if name.lower() in CELLS else ""
    if isinstance(name, (list, tuple, set, frozenset)):  # make_cell(["lstm"]) said "unhashable type: 'list'"
        names = [n for n in name if isinstance(n, str)]
        named = f" ({names[0]!r})" if len(names) == 1 else ""
        return f"; a cell's name is one string{named}, not a {type(name).__name__}"
    return ("; Recurrent takes the cell's name first, Recurrent('lstm', input_size, hidden_size, ...), and "
            "rnnkit.LSTM, GRU and RNN torch.nn's arguments as they are")


def make_cell(name: str, hidden_size: int, **options: Any) -> Cell:
    """The family ``name`` (one of ``CELLS``) for ``hidden_size`` units, with its options checked; a keyword
    the family does not take is an :class:`UnknownCellOption` naming it and the family's options."""
    cls = CELLS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown cell {name!r}; expected one of: {', '.join(CELLS)}{name_hint(name)}")
    params = list(inspect.signature(cls).parameters.values())[1:]  # after hidden_size
    if not any(p.kind is p.VAR_KEYWORD for p in params):
        unknown = [key for key in options if key not in {p.name for p in params}]
        if unknown:
            raise UnknownCellOption(f"cell {name!r}: unexpected keyword argument {unknown[0]!r} (its options: "
                                    f"{', '.join(p.name for p in params)}){_ELMAN_HINT.get((name, unknown[0]), '')}")
    try:
        options = checked_options(name, options)
    except SettingError as exc:
        raise ValueError(f"cell {name!r}: {exc}") from None
    try:
        return cls(hidden_size, **options)
    except TypeError as exc:
        raise ValueError(f"cell {name!r}: {exc}") from None


def checked_options(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options of the family ``name`` as plain Python values (a tuple or range a list, NumPy's numbers Python's),
    each of the type the family's signature names (:func:`rnnkit.errors.check_type`: a finite number, an integer, a
    string, a list of integers), else a :class:`SettingError` naming it, as ``rnnkit experiment`` refuses a
    ``[cell.NAME]`` table's: ``forget_bias="1"`` was a TypeError from inside the initialisation, ``nan`` NaN
    weights, and ``periods=[1.5, 3]`` trained as ``[1, 3]``, unsaid. Keywords the family does not take are left to
    the caller."""
    params = inspect.signature(CELLS[name]).parameters
    plain = {key: _plain(value) for key, value in options.items()}
    for key, value in plain.items():
        if key in params:
            check_type(key, value, params[key].annotation)
    return plain


def _plain(value: Any) -> Any:
    """``value`` as a Python value: a tuple, list or range of them a list, NumPy's or torch's numbers and arrays
    Python's (``tolist()``: a number, or a list of them)."""
    if isinstance(value, (tuple, list, range)):  # periods=range(1, 5) built the cell before options were checked
        return [_plain(v) for v in value]
    return value.tolist() if type(value).__module__ in ("numpy", "torch") and hasattr(value, "tolist") else value


def make_cell_module(name: str, input_size: int, hidden_size: int, bias: bool = True,
                     device: torch.device | str | None = None, dtype: torch.dtype | None = None,
                     **options: Any) -> CellModule:
    """A single ``name`` cell with its own parameters (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``), made
    on ``device`` in ``dtype`` (after the name, torch.nn.LSTMCell's arguments in its order). An
    option the cell would leave unused is a ValueError naming it and why, as :class:`rnnkit.Recurrent` refuses it:
    a bias's (``forget_bias``, ``chrono``, ``bias_init``) with ``bias=False``, ``init_hh`` for minGRU or minLSTM."""
    cell = make_cell(name, hidden_size, **options)
    refuse_unused_options(cell, "rnnkit", bias, options)
    return CellModule(cell, input_size, bias=bias, device=device, dtype=dtype)


def unused_options(cell: Cell, init: str, bias: bool) -> dict[str, str]:
    """The options of ``cell`` that a layer of ``init`` and ``bias`` has no use for, each with what makes it so and
    what to do: every initial value of the cell's own under ``init="torch"`` (torch.nn's draw replaces them), the
    biases' under ``bias=False`` (there are none to set), and ``init_hh`` of a cell without recurrent weights."""
    unused = {} if cell.recurrent else {"init_hh": f"cell {cell.name!r}, which has no recurrent weights (weight_hh) "
                                                   "to initialise: leave it out"}
    if not bias:
        unused.update(dict.fromkeys(cell.bias_options, "bias=False, which builds the layer without biases: give one "
                                                       "of the two"))
    if init == "torch":
        unused.update(dict.fromkeys(cell.initial_options, "init='torch', which starts every parameter as torch.nn "
                                                          "does (uniform ±1/√hidden_size) instead of the cell's own "
                                                          "initialisation: give one of the two"))
    return unused


def refuse_unused_options(cell: Cell, init: str, bias: bool, given: dict[str, Any]) -> None:
    """A ValueError naming the first of the ``given`` cell options that the layer would leave unused, and why:
    ``Recurrent("lstm", 3, 4, init="torch", forget_bias=2.0)`` started from torch.nn's draw and dropped the forget
    bias, unsaid (so did ``bias=False``, ``init="torch"`` any initialiser's name, and minGRU ``init_hh``); the same
    for :func:`make_cell_module`'s cell. An option at the cell's default is taken: the layer is what it would be
    without it, and ``config()`` wrote every option, defaults too, before it left the unused ones out
    (``rnnkit.LSTM(3, 4).config()`` held ``forget_bias=1.0`` beside ``init='torch'``), so that such a saved config
    still rebuilds its layer."""
    unused = unused_options(cell, init, bias)
    defaults = inspect.signature(type(cell)).parameters  # make_cell has checked the types (a bool is no number)
    for name, value in given.items():
        if name in unused and (name not in defaults or value != defaults[name].default):
            raise ValueError(f"{name}={value!r} has no effect with {unused[name]}")

