"""``nn.GRUCell(4, 6, device=device, dtype=dtype)`` ported to ``rnnkit.cells.make_cell_module("gru", 4, 6, ...)``
was refused (``UnknownCellOption: cell 'gru': unexpected keyword argument 'dtype'``), where ``rnnkit.Recurrent`` and
the drop-in layers take torch's ``device`` and ``dtype``: the cell module takes them too, after ``bias`` as in
torch.nn's cells."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnkit.cells import make_cell_module

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(("name", "torch_cell"), [("lstm", nn.LSTMCell), ("gru", nn.GRUCell), ("rnn_tanh", nn.RNNCell)])
def test_a_cell_module_is_made_in_the_dtype_given_by_name_or_position(name: str, torch_cell: type) -> None:
    torch.manual_seed(0)
    ref = torch_cell(3, 4, bias=True, device=None, dtype=torch.float64)
    for ours in (make_cell_module(name, 3, 4, dtype=torch.float64), make_cell_module(name, 3, 4, True, None,
                                                                                       torch.float64)):
        assert {p.dtype for p in ours.parameters()} == {torch.float64}
        ours.load_state_dict(ref.state_dict())
        x = torch.randn(2, 3, dtype=torch.float64)
        torch.testing.assert_close(ours(x), ref(x), rtol=0, atol=1e-12)


def test_a_cell_module_made_on_the_meta_device_is_materialised_as_torch_nns() -> None:
    """Made on ``meta`` (no memory), then ``to_empty`` and a state dict: the usual way to build a big model."""
    ref = nn.GRUCell(3, 4)
    ours = make_cell_module("gru", 3, 4, device="meta")
    assert {p.device.type for p in ours.parameters()} == {"meta"}
    ours = ours.to_empty(device="cpu")
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(2, 3)
    torch.testing.assert_close(ours(x), ref(x), rtol=0, atol=1e-6)
