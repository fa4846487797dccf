"""A second derivative through rnnkit's hand-written backward passes (a gradient penalty, ``gradgradcheck``).

torch.nn's RNNs have second derivatives; rnnkit's step loop (``impl="reference"``) has them too. The hand-written
loops (the regularised LSTM's, GRU's and Elman RNN's BPTT, the Clockwork RNN's, minGRU's and minLSTM's sequential
scan) were marked ``once_differentiable``, which refuses a second derivative only when an incoming gradient requires
grad: a penalty on ``grad(y.sum(), x, create_graph=True)`` taken with respect to the parameters came out silently
wrong (a term missing). It must either equal the step loop's or be refused, naming the way out.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnkit import Recurrent

pytestmark = pytest.mark.usefixtures("one_torch_thread")

LOOPS = [("lstm", {"zoneout": 0.2}), ("lstm", {"layer_norm": True}), ("gru", {"zoneout": 0.2}),
         ("rnn_tanh", {"zoneout": 0.2}), ("clockwork", {}), ("mingru", {"scan": "sequential"}),
         ("minlstm", {"scan": "sequential"})]


def _penalty_grads(layer: Recurrent, x: torch.Tensor) -> list[torch.Tensor]:
    """The parameters' gradients of a gradient penalty: |d sum(y) / dx|², as WGAN-GP takes it."""
    x = x.clone().requires_grad_()
    (gx,) = torch.autograd.grad(layer(x)[0].sum(), x, create_graph=True)
    return list(torch.autograd.grad(gx.pow(2).sum(), list(layer.parameters())))


def _pair(cell: str, options: dict) -> tuple[Recurrent, Recurrent]:
    torch.manual_seed(0)
    fast = Recurrent(cell, 3, 4, dtype=torch.float64, **options).eval()  # eval: zoneout by its expectation
    loop = Recurrent(cell, 3, 4, dtype=torch.float64, impl="reference", **options).eval()
    loop.load_state_dict(fast.state_dict())
    return fast, loop


@pytest.mark.parametrize(("cell", "options"), LOOPS)
def test_a_penalty_through_a_hand_written_backward_is_refused_not_wrong(cell: str, options: dict) -> None:
    fast, loop = _pair(cell, options)
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    expected = _penalty_grads(loop, x)
    assert any(g.abs().sum() > 0 for g in expected)
    with pytest.raises(RuntimeError, match=r"no second derivative .*impl='reference'"):
        _penalty_grads(fast, x)  # it gave other numbers than the step loop's, without a word


def test_the_step_loops_penalty_is_torch_nn_cells() -> None:
    """The way out the message names, judged by torch.nn.GRUCell: zoneout at evaluation keeps each unit's old
    value by the rate, h_t = p h_{t-1} + (1 - p) h'_t."""
    _, loop = _pair("gru", {"zoneout": 0.2})
    cell = nn.GRUCell(3, 4, dtype=torch.float64)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in loop.state_dict().items()})
    x = torch.randn(5, 2, 3, dtype=torch.float64)

    class Judge(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = cell

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor]:
            h, outs = x.new_zeros(x.shape[1], 4), []
            for x_t in x.unbind(0):
                h = 0.2 * h + 0.8 * self.cell(x_t, h)
                outs.append(h)
            return (torch.stack(outs),)

    for g, e in zip(_penalty_grads(loop, x), _penalty_grads(Judge(), x), strict=True):  # type: ignore[arg-type]
        torch.testing.assert_close(g, e)


def test_a_first_gradient_and_a_plain_backward_still_run() -> None:
    fast, loop = _pair("lstm", {"zoneout": 0.2})
    x = torch.randn(5, 2, 3, dtype=torch.float64, requires_grad=True)
    torch.testing.assert_close(torch.autograd.grad(fast(x)[0].sum(), x)[0], torch.autograd.grad(loop(x)[0].sum(), x)[0])
    assert torch.autograd.gradcheck(lambda a: fast(a)[0], (x,))
