"""What the units of a character language model do on a text (Karpathy, Johnson & Fei-Fei 2015).

What a user gets:

- :func:`trace`: every layer's hidden state (and the LSTM's cell state) and every gate's value at every
  character, computed by running the cell's own reference ``step`` (:mod:`rnnkit.cells`) one character
  at a time; the gate values are the outputs of the sigmoids that ``step`` computes, recorded as it runs,
  so the cell's math is not written a second time here;
- :func:`features`: simple properties of each character (inside double quotes, inside brackets, position
  in the line, upper case, just after a newline);
- :func:`correlations` / :func:`top_units`: the Pearson correlation of each unit with each feature, and
  the units that track each feature best;
- :func:`saturation`: for each gate unit, the fraction of characters where it is left-saturated (< 0.1)
  and right-saturated (> 0.9), the picture of the paper's Fig. 4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

from rnnkit.device import model_device
from rnnkit.models.language_model import LanguageModel

__all__ = ["FEATURES", "GATE_NAMES", "Trace", "correlations", "features", "saturation", "top_units", "trace"]

#: the sigmoids each cell's ``step`` computes, in the order it computes them (checked in the tests against
#: torch.nn's gate equations, and minGRU's and minLSTM's against their papers'); None: a sigmoid that is no gate
#: (σ(h̃) inside the minimal cells' candidate activation g, computed for every unit), left out of the page
GATE_NAMES: dict[str, tuple[str | None, ...]] = {"lstm": ("forget", "input", "output"), "gru": ("reset", "update"),
                                                 "mingru": ("update", None), "minlstm": ("forget", "input", None)}

FEATURES = ("inside quotes", "inside brackets", "position in line", "upper case", "after a newline")

LEFT, RIGHT = 0.1, 0.9


@dataclass
class Trace:
    """The insides of a model over a text of T characters: ``states[name]`` is (T, L, H) per kind of
    state (``"h"``; ``"c"`` too for the LSTM, as tanh(c)), ``gates[name]`` is (T, L, H) per gate."""

    states: dict[str, Tensor] = field(default_factory=dict)
    gates: dict[str, Tensor] = field(default_factory=dict)


class _SigmoidRecorder(TorchFunctionMode):
    """Keeps the output of every sigmoid computed while it is active."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[Tensor] = []

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        if func in (torch.sigmoid, Tensor.sigmoid, F.sigmoid):
            self.values.append(out.detach().clone())
        return out


def _gate_names(cell: str, count: int) -> tuple[str | None, ...]:
    names = GATE_NAMES.get(cell, ())
    return names if len(names) == count else tuple(f"gate {i + 1}" for i in range(count))


@torch.no_grad()
def trace(model: LanguageModel, ids: Tensor) -> Trace:
    """Run ``model`` over ``ids`` (1-D) from a zero state with the cell's reference ``step``, one
    character at a time, on the model's device, and keep every layer's states and gate values (see
    :class:`Trace`; on the CPU, where the page reads them)."""
    rnn = model.rnn
    if rnn.bidirectional or rnn.proj_size:
        raise ValueError("unit traces need a one-directional model without projection")
    cell = rnn.cell_def
    x = model.embedding(ids.long().to(model_device(model))).unsqueeze(1).float()  # (T, 1, E)
    per_layer: list[dict[str, list[Tensor]]] = []
    for layer in range(rnn.num_layers):
        w_ih, w_hh, b_ih, b_hh = rnn.layer_weights(layer)
        w_hh = cell.prepare(w_hh)
        xw = F.linear(x, w_ih, b_ih)
        state = cell.zero_state(1, x.dtype, x.device)
        record: dict[str, list[Tensor]] = {"h": [], "c": [], "gates": []}
        for t in range(xw.shape[0]):
            with _SigmoidRecorder() as rec:
                state = cell.step(xw[t], state, w_hh, b_hh, t)
            record["h"].append(cell.output_of(state)[0])
            if isinstance(state, tuple):
                record["c"].append(torch.tanh(state[1][0]))
            record["gates"].append(torch.stack([v[0] for v in rec.values]) if rec.values else torch.zeros(0))
        per_layer.append(record)
        x = torch.stack(record["h"]).unsqueeze(1)
    return _assemble(per_layer, rnn.cell)


def _assemble(per_layer: list[dict[str, list[Tensor]]], cell: str) -> Trace:
    out = Trace()
    out.states["h"] = torch.stack([torch.stack(r["h"]) for r in per_layer], 1).cpu()
    if per_layer[0]["c"]:
        out.states["c"] = torch.stack([torch.stack(r["c"]) for r in per_layer], 1).cpu()
    gates = torch.stack([torch.stack(r["gates"]) for r in per_layer], 1).cpu()  # (T, L, G, H)
    if gates.dim() == 4 and gates.shape[2]:
        for g, name in enumerate(_gate_names(cell, gates.shape[2])):
            if name is not None:
                out.gates[name] = gates[:, :, g]
    return out


def features(text: str) -> dict[str, Tensor]:
    """One value per character of ``text`` for each of :data:`FEATURES` (after reading that character):
    inside a double-quoted span (the quotes included), inside ()/[]/{} (the brackets included), the
    character's position in its line (0 = first), upper case, and the character is a newline."""
    quote = bracket = pos = 0
    inside_q, inside_b, position, upper, newline = [], [], [], [], []
    for ch in text:
        if ch == '"':
            quote ^= 1
            inside_q.append(1.0)
        else:
            inside_q.append(float(quote))
        if ch in "([{":
            bracket += 1
        inside_b.append(float(bracket > 0))
        if ch in ")]}":
            bracket = max(0, bracket - 1)
        position.append(float(pos))
        pos = 0 if ch == "\n" else pos + 1
        upper.append(float(ch.isupper()))
        newline.append(float(ch == "\n"))
    values = (inside_q, inside_b, position, upper, newline)
    return {name: torch.tensor(v, dtype=torch.float64) for name, v in zip(FEATURES, values, strict=True)}


def correlations(units: Tensor, feature: Tensor) -> Tensor:
    """Pearson correlation of each column of ``units`` (T, N) with ``feature`` (T,); 0 where either is
    constant over the text (no correlation can be measured)."""
    u = units.double() - units.double().mean(0)
    f = feature.double() - feature.double().mean()
    denom = u.norm(dim=0) * f.norm()
    r = (u * f.unsqueeze(1)).sum(0) / denom
    return torch.where(denom > 0, r, torch.zeros_like(r))


def top_units(states: Tensor, text: str, k: int = 5) -> dict[str, list[dict[str, Any]]]:
    """For each feature, the ``k`` units of ``states`` (T, L, H) with the largest |correlation|:
    ``{"layer", "unit", "r"}`` each (layers and units numbered from 0)."""
    flat = states.reshape(states.shape[0], -1)
    hidden = states.shape[2]
    best: dict[str, list[dict[str, Any]]] = {}
    for name, values in features(text).items():
        r = correlations(flat, values)
        order = r.abs().argsort(descending=True)[:k].tolist()
        best[name] = [{"layer": i // hidden, "unit": i % hidden, "r": float(r[i])} for i in order if r[i] != 0]
    return best


def saturation(gates: dict[str, Tensor]) -> dict[str, dict[str, Tensor]]:
    """For each gate (T, L, H): ``{"left": (L, H), "right": (L, H)}``, the fraction of characters where
    each unit is below 0.1 and above 0.9."""
    return {name: {"left": (g < LEFT).double().mean(0), "right": (g > RIGHT).double().mean(0)}
            for name, g in gates.items()}
