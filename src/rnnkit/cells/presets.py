"""Named sets of initial values for the cells: the starts that papers prescribe, as cell options.

:data:`LE2015` holds the starts of Le, Jaitly & Hinton (2015, "A simple way to initialize recurrent
networks of rectified linear units"), which ``rnnkit experiment`` and ``rnnkit diagnose`` use for every
cell they compare:

* ``rnn_relu`` ("RNN + ReLU" in the paper): the ReLU Elman cell with W_ih and W_hh drawn from
  N(0, 0.001²);
* ``irnn``: W_hh = I, zero biases, W_ih ~ N(0, 0.001²) (the IRNN cell's own defaults, written out);
* ``lstm``: forget-gate bias 1 (the paper's LSTM baseline; also rnnkit's LSTM default);
* every other cell: its own defaults.

``le2015("irnn")`` returns the options to pass on, e.g.
``Recurrent("irnn", 2, 100, **le2015("irnn"))``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LE2015", "le2015"]

#: Cell options of Le, Jaitly & Hinton (2015); a cell not listed starts from its own defaults.
LE2015: dict[str, dict[str, Any]] = {
    "rnn_relu": {"init_ih": "gaussian(std=0.001)", "init_hh": "gaussian(std=0.001)"},
    "irnn": {"identity_scale": 1.0, "input_std": 0.001},
    "lstm": {"forget_bias": 1.0},
}


def le2015(cell: str) -> dict[str, Any]:
    """The options of ``cell`` (a name of :data:`rnnkit.cells.CELLS`) under the Le et al. (2015) preset:
    a new dict, empty for a cell the paper does not set; an unknown cell is a ValueError."""
    from rnnkit.cells import CELLS

    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; expected one of: {', '.join(CELLS)}")
    return dict(LE2015.get(cell, {}))
