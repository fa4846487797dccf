"""Code ported from torch.nn's cells calls them by their argument names, ``cell(x, hx=(h, c))`` or
``cell(input=x, hx=h)``: ``rnnkit.cells.make_cell_module``'s cell refused both (``TypeError: CellModule.forward() got
an unexpected keyword argument 'hx'``). It takes torch's names now, and ``state=`` as ``rnnkit.Recurrent`` does."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnkit.cells import make_cell_module

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(("name", "torch_cell"), [("lstm", nn.LSTMCell), ("gru", nn.GRUCell)])
def test_the_cell_module_takes_torch_nns_keywords(name: str, torch_cell: type) -> None:
    torch.manual_seed(0)
    ref = torch_cell(3, 4)
    ours = make_cell_module(name, 3, 4)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(2, 3)
    h = (torch.randn(2, 4), torch.randn(2, 4)) if name == "lstm" else torch.randn(2, 4)
    want = ref(x, h)
    for got in (ours(x, hx=h), ours(input=x, hx=h), ours(x, state=h), ours(x, h)):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-6)


def test_a_state_given_twice_is_refused_as_the_layer_refuses_it() -> None:
    cell, h = make_cell_module("gru", 3, 4), torch.zeros(2, 4)
    with pytest.raises(TypeError, match="^give the initial state as hx or as state, not both$"):
        cell(torch.randn(2, 3), hx=h, state=h)
