"""Mutation audit round 24 of loading a saved layer (Cell.loadable_options, rebuilt_cell): only beside ``chrono`` is
a saved ``forget_bias`` left out; a plain LSTM layer or cell module saved with a forget bias of its own keeps it, so
its config() still rebuilds it as it was."""

from __future__ import annotations

from pathlib import Path

import torch

from rnnkit import Recurrent
from rnnkit.cells import CellModule, make_cell_module


def test_an_lstm_layer_saved_with_a_forget_bias_of_its_own_keeps_it(tmp_path: Path) -> None:
    rnn = Recurrent("lstm", 3, 4, forget_bias=2.0)
    torch.save(rnn, tmp_path / "layer.pt")
    with torch.serialization.safe_globals([Recurrent]):
        loaded = torch.load(tmp_path / "layer.pt", weights_only=True)
    assert loaded.cell_def.forget_bias == 2.0 and loaded.config() == rnn.config()


def test_an_lstm_cell_module_saved_with_a_forget_bias_of_its_own_keeps_it(tmp_path: Path) -> None:
    cell = make_cell_module("lstm", 3, 4, forget_bias=2.0)
    torch.save(cell, tmp_path / "cell.pt")
    with torch.serialization.safe_globals([CellModule]):
        loaded = torch.load(tmp_path / "cell.pt", weights_only=True)
    assert loaded.cell.forget_bias == 2.0
