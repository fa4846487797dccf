"""A layer (or a cell module) that ``torch.save`` wrote before ``chrono`` refused a ``forget_bias`` of its own
still loads: such a layer (``Recurrent("lstm", 3, 4, chrono=5, forget_bias=2.0)``, taken until today) pickled both
options, and loading rebuilt its cell from them, which now refuses the pair; chrono drew the forget gate's biases,
so the layer is the same without the forget bias, and its weights are the saved ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from rnnkit import Recurrent
from rnnkit.cells import CellModule, make_cell_module


def test_a_chrono_layer_saved_with_a_forget_bias_of_its_own_loads(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(4)
    rnn = Recurrent("lstm", 3, 4, chrono=5).eval()
    getstate = Recurrent.__getstate__

    def as_saved_before(self: Recurrent) -> dict[str, Any]:  # the options such a layer pickled
        state = getstate(self)
        return {**state, "cell_def": {**state["cell_def"], "forget_bias": 2.0}}

    with monkeypatch.context() as earlier:
        earlier.setattr(Recurrent, "__getstate__", as_saved_before)
        torch.save(rnn, tmp_path / "layer.pt")
    with torch.serialization.safe_globals([Recurrent]):
        loaded = torch.load(tmp_path / "layer.pt", weights_only=True)
    assert loaded.cell_def.chrono == 5
    x = torch.randn(5, 2, 3)
    torch.testing.assert_close(loaded(x), rnn(x), rtol=0, atol=0)
    assert Recurrent(**loaded.config()).config() == loaded.config()


def test_a_chrono_cell_module_saved_with_a_forget_bias_of_its_own_loads(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(4)
    cell = make_cell_module("lstm", 3, 4, chrono=5)
    getstate = CellModule.__getstate__

    def as_saved_before(self: CellModule) -> dict[str, Any]:
        state = getstate(self)
        return {**state, "cell": {**state["cell"], "options": {**state["cell"]["options"], "forget_bias": 2.0}}}

    with monkeypatch.context() as earlier:
        earlier.setattr(CellModule, "__getstate__", as_saved_before)
        torch.save(cell, tmp_path / "cell.pt")
    with torch.serialization.safe_globals([CellModule]):
        loaded = torch.load(tmp_path / "cell.pt", weights_only=True)
    x = torch.randn(2, 3)
    assert loaded.cell.chrono == 5
    for ours, theirs in zip(loaded(x), cell(x), strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
