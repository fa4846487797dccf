"""``Recurrent.step`` reads the layer's weights afresh at every call, as ``forward`` does (torch.nn's RNNs refresh
their flat weights at the start of ``forward``). It read the list the last forward left: under
``torch.func.functional_call`` it ran the module's own weights, not the ones given (no gradient reached them), and
with a parametrized weight (``weight_norm``) the value before the last optimizer step (then a backward failed on
the tensor that step changed in place). A decoder runs ``step`` once per token, so both reached training.

Judged by torch.nn.LSTMCell and GRUCell: the same weights, the same calls.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrizations

from rnnkit import Recurrent

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CELLS = {"lstm": nn.LSTMCell, "gru": nn.GRUCell}


class Decoder(nn.Module):
    """What a decoder does with a layer: one ``step`` per token, the state carried."""

    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        state, outs = None, []
        for x_t in x.unbind(0):
            if isinstance(self.rnn, Recurrent):
                y, state = self.rnn.step(x_t, state)
            else:  # torch.nn's cell: its state is (B, H), or (h, c)
                state = self.rnn(x_t, state)
                y = state[0] if isinstance(state, tuple) else state
            outs.append(y)
        return torch.stack(outs)


def _cell_names(params: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {name.replace("_l0", ""): value for name, value in params.items()}


@pytest.mark.parametrize("impl", ["auto", "reference"])
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_step_under_functional_call_runs_the_weights_given(cell: str, impl: str) -> None:
    torch.manual_seed(0)
    ours, theirs = Decoder(Recurrent(cell, 3, 4, impl=impl)), Decoder(CELLS[cell](3, 4))
    x = torch.randn(4, 2, 3)
    ours(x)  # a call first: the layer's own weights are what it held
    params = {f"rnn.{k}": (1.5 * v).requires_grad_() for k, v in ours.rnn.state_dict().items()}
    got = torch.func.functional_call(ours, params, (x,))
    expected = torch.func.functional_call(theirs, _cell_names(params), (x,))
    torch.testing.assert_close(got, expected)
    grads = torch.autograd.grad(got.pow(2).sum(), list(params.values()))
    expected_grads = torch.autograd.grad(expected.pow(2).sum(), list(params.values()))
    for g, e in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(g, e)


@pytest.mark.parametrize("impl", ["auto", "reference"])
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_step_reads_a_parametrized_weight_after_an_optimizer_step(cell: str, impl: str) -> None:
    torch.manual_seed(0)
    rnn = Recurrent(cell, 3, 4, impl=impl)
    torch_cell = CELLS[cell](3, 4)
    torch_cell.load_state_dict(_cell_names(rnn.state_dict()))
    parametrizations.weight_norm(rnn, "weight_hh_l0")
    parametrizations.weight_norm(torch_cell, "weight_hh")
    ours, theirs = Decoder(rnn), Decoder(torch_cell)
    x = torch.randn(4, 2, 3)
    for model in (ours, theirs):
        model(x).pow(2).sum().backward()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        optimizer.step()
        optimizer.zero_grad()
    got, expected = ours(x), theirs(x)
    torch.testing.assert_close(got, expected)
    got.pow(2).sum().backward()
    expected.pow(2).sum().backward()
    g = rnn.parametrizations.weight_hh_l0.original0.grad
    torch.testing.assert_close(g, torch_cell.parametrizations.weight_hh.original0.grad)
