"""Gaps a mutation audit of :mod:`rnnkit.cells.base` found (round 11): ``CellModule``'s checks of a given state, judged
by torch.nn's cells (their messages, and what they compute on the same weights)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnkit.cells import make_cell, make_cell_module

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(("x", "h", "message"), [
    ((2, 3), (4,), r"^rnn_tanh: for batched 2-D input, hx\[0\] should be 2-D, got 1-D$"),
    ((2, 3), (1, 4), r"^Input batch size 2 doesn't match hidden0 batch size 1$"),
    ((2, 3), (2, 3), r"^hidden0 has inconsistent hidden_size: got 3, expected 4$"),
])
def test_a_state_that_would_broadcast_is_refused_as_torch_refuses_it(x: tuple, h: tuple, message: str) -> None:
    """A 1-D state for a batch, a state of batch 1 for a batch of 2, a state narrower than the hidden size: each
    would broadcast (or fail late); torch.nn.RNNCell refuses each, and so does the cell module, by name."""
    torch.manual_seed(0)
    ours, ref = make_cell_module("rnn_tanh", 3, 4), nn.RNNCell(3, 4)
    ref.load_state_dict(ours.state_dict())
    with pytest.raises(RuntimeError):
        ref(torch.randn(*x), torch.randn(*h))
    with pytest.raises(RuntimeError, match=message):
        ours(torch.randn(*x), torch.randn(*h))


def test_an_lstm_state_given_as_a_list_is_read_as_the_pair() -> None:
    torch.manual_seed(1)
    ours, ref = make_cell_module("lstm", 3, 4), nn.LSTMCell(3, 4)
    ref.load_state_dict(ours.state_dict())
    x, h, c = torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4)
    for got, want in zip(ours(x, [h, c]), ref(x, (h, c)), strict=True):
        torch.testing.assert_close(got, want)


def test_an_unbatched_clockwork_step_equals_the_batched_one() -> None:
    """A 1-D input and state (as torch.nn's cells take them) at a step where only some modules update: the same
    numbers as the batch of one, squeezed."""
    torch.manual_seed(2)
    module = make_cell_module("clockwork", 3, 6, periods=[1, 2, 4])
    x, h = torch.randn(3), torch.randn(6)
    for t in (1, 2, 4):
        torch.testing.assert_close(module(x, h, t=t), module(x[None], h[None], t=t)[0])


def test_the_repr_names_the_input_size_before_the_hidden_size_as_torch_cells_do() -> None:
    assert repr(nn.LSTMCell(3, 4)) == "LSTMCell(3, 4)"
    assert repr(make_cell_module("lstm", 3, 4)) == "CellModule(lstm, 3, 4)"


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_each_gate_blocks_recurrent_weight_is_orthogonal_on_its_own(cell: str) -> None:
    """``init_hh="orthogonal"``, the default, draws each (H, H) gate block of W_hh as an orthogonal matrix (Q Q^T = I),
    not the (gates·H, H) matrix as a whole (whose blocks would not be)."""
    torch.manual_seed(3)
    module = make_cell_module(cell, 3, 5).double()
    for block in module.weight_hh.detach().split(5):
        torch.testing.assert_close(block @ block.T, torch.eye(5, dtype=torch.float64), rtol=0, atol=1e-6)


def test_options_name_each_initialiser_as_given() -> None:
    cell = make_cell("gru", 4, init_ih="orthogonal", init_hh="xavier_uniform", bias_init=0.5)
    assert cell.options() == {"init_ih": "orthogonal", "init_hh": "xavier_uniform", "bias_init": 0.5}
    assert make_cell("gru", 4, **cell.options()).options() == cell.options()


@pytest.mark.parametrize("cell", ["gru", "rnn_tanh"])  # the LSTM adds its forget bias on top
def test_both_biases_start_at_bias_init(cell: str) -> None:
    module = make_cell_module(cell, 3, 4, bias_init=0.25)
    for bias in (module.bias_ih, module.bias_hh):
        assert torch.equal(bias, torch.full_like(bias, 0.25))


def test_without_a_bias_the_parameters_are_torch_cells() -> None:
    ours, ref = make_cell_module("gru", 3, 4, bias=False), nn.GRUCell(3, 4, bias=False)
    assert ours.bias_ih is None and ours.bias_hh is None
    assert list(ours.state_dict()) == list(ref.state_dict())


def test_a_float64_step_without_a_state_starts_from_a_float64_zero_state() -> None:
    torch.manual_seed(4)
    ours, ref = make_cell_module("gru", 3, 4).double(), nn.GRUCell(3, 4).double()
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(2, 3, dtype=torch.float64)
    got = ours(x)
    assert got.dtype == torch.float64
    torch.testing.assert_close(got, ref(x))


@pytest.mark.parametrize("cell", ["gru", "rnn_tanh"])
def test_biases_start_at_zero_by_default(cell: str) -> None:
    module = make_cell_module(cell, 3, 4)
    assert module.cell.bias_init == 0.0
    for bias in (module.bias_ih, module.bias_hh):
        assert torch.equal(bias, torch.zeros_like(bias))


def test_a_cell_without_recurrent_weights_has_no_recurrent_bias() -> None:
    module = make_cell_module("mingru", 3, 4)
    assert module.weight_hh is None and module.bias_hh is None and module.bias_ih is not None


def test_a_clockwork_cell_module_ignores_what_is_stored_below_its_mask() -> None:
    """The step reads W_hh through the cell's mask (``prepare``): entries a module may not read change nothing."""
    torch.manual_seed(5)
    module = make_cell_module("clockwork", 3, 6, periods=[1, 2, 4])
    x, h = torch.randn(2, 3), torch.randn(2, 6)
    before = module(x, h, t=0)  # a Clockwork cell given a state needs its clock
    with torch.no_grad():
        module.weight_hh[module.cell.connectivity() == 0] = 5.0
    torch.testing.assert_close(module(x, h, t=0), before, rtol=0, atol=0)
