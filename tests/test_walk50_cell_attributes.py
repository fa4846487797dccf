"""Code ported from torch.nn's cells reads their ``bias`` and ``nonlinearity`` attributes (an initialiser that zeroes
``bias_ih`` when ``cell.bias``, a He gain from ``cell.nonlinearity``): ``rnnkit.cells.make_cell_module``'s cell had
neither (``AttributeError: 'CellModule' object has no attribute 'bias'``), and its repr hid ``bias=False``."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from rnnkit.cells import CellModule, make_cell_module

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TWINS = [
    ("lstm", nn.LSTMCell, {}),
    ("gru", nn.GRUCell, {"bias": False}),
    ("rnn_tanh", nn.RNNCell, {}),
    ("rnn_relu", nn.RNNCell, {"nonlinearity": "relu", "bias": False}),
]


def init_like_user_code(cell: nn.Module) -> None:
    """What a port's initialiser does with a torch.nn cell: He-uniform inputs for the Elman cell's nonlinearity
    (tanh's gain otherwise), the biases zeroed when the cell has any."""
    gain = getattr(cell, "nonlinearity", "tanh")
    nn.init.kaiming_uniform_(cell.weight_ih, nonlinearity=gain)
    if cell.bias:
        nn.init.zeros_(cell.bias_ih)
        nn.init.zeros_(cell.bias_hh)


@pytest.mark.parametrize(("name", "torch_cell", "options"), TWINS)
def test_the_cell_module_has_torch_nns_attributes_and_inits_the_same(name: str, torch_cell: type,
                                                                     options: dict) -> None:
    torch.manual_seed(0)
    ours = make_cell_module(name, 3, 4, bias=options.get("bias", True))
    ref = torch_cell(3, 4, **options)
    ours.load_state_dict(ref.state_dict())
    assert ours.bias is ref.bias
    assert getattr(ours, "nonlinearity", None) == getattr(ref, "nonlinearity", None)
    for module in (ref, ours):
        torch.manual_seed(1)
        init_like_user_code(module)
    x = torch.randn(2, 3)
    torch.testing.assert_close(ours(x), ref(x), rtol=0, atol=1e-6)


def test_repr_shows_bias_false_as_the_layers_do() -> None:
    assert repr(make_cell_module("gru", 3, 4, bias=False)) == "CellModule(gru, 3, 4, bias=False)"
    assert repr(make_cell_module("gru", 3, 4)) == "CellModule(gru, 3, 4)"


@pytest.mark.parametrize("bias", [True, False])
def test_a_cell_module_saved_without_the_attributes_gets_them_when_loaded(bias: bool, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    module = make_cell_module("rnn_relu", 3, 4, bias=bias)
    older = module.__getstate__()
    for name in ("bias", "nonlinearity"):
        del older[name]
    monkeypatch.setattr(CellModule, "__getstate__", lambda self: older)
    torch.save(module, tmp_path / "old.pt")
    monkeypatch.undo()
    with torch.serialization.safe_globals([CellModule]):
        loaded = torch.load(tmp_path / "old.pt", weights_only=True)
    assert loaded.bias is bias and loaded.nonlinearity == "relu"
    x = torch.randn(2, 3)
    torch.testing.assert_close(loaded(x), module(x), rtol=0, atol=0)
