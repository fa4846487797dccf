"""Gaps a mutation audit of :mod:`rnnkit.cells.elman` found (round 15): each Elman cell's output against the
hand-written recurrence (torch's fused path and the cell's own step), and the IRNN's ``input_std``."""

from __future__ import annotations

import pytest
import torch

from rnnkit.cells.elman import ElmanReLU, ElmanTanh
from rnnkit.recurrent import Recurrent


def by_hand(rnn: Recurrent, x: torch.Tensor, act: object) -> torch.Tensor:
    h = torch.zeros(x.shape[1], rnn.hidden_size)
    outs = []
    for xt in x:
        h = act(xt @ rnn.weight_ih_l0.T + rnn.bias_ih_l0 + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0)
        outs.append(h)
    return torch.stack(outs)


@pytest.mark.parametrize(("cell", "act"), [("rnn_tanh", torch.tanh), ("rnn_relu", torch.relu)])
def test_an_elman_layer_is_the_textbook_recurrence(cell: str, act: object) -> None:
    torch.manual_seed(0)
    rnn = Recurrent(cell, 3, 4, bias_init=0.3)
    x = torch.randn(5, 2, 3)
    with torch.no_grad():
        out, _ = rnn(x)
        assert torch.allclose(out, by_hand(rnn, x, act), atol=1e-5)
    assert rnn.nonlinearity == cell.removeprefix("rnn_") and rnn.mode == cell.upper()  # torch.nn.RNN's own


@pytest.mark.parametrize(("step", "act"), [(ElmanTanh.step, torch.tanh), (ElmanReLU.step, torch.relu)])
def test_an_elman_step_adds_the_recurrent_bias(step: object, act: object) -> None:
    torch.manual_seed(1)
    xw, state, w, b = torch.randn(2, 4), torch.randn(2, 4), torch.randn(4, 4), torch.randn(4)
    assert torch.allclose(step(xw, state, w, b, 0), act(xw + state @ w.T + b))


def test_the_irnn_draws_its_input_weights_with_input_std() -> None:
    torch.manual_seed(0)
    rnn = Recurrent("irnn", 200, 50, input_std=0.5, identity_scale=0.9)
    assert 0.45 < rnn.weight_ih_l0.std().item() < 0.55
    assert torch.equal(rnn.weight_hh_l0, 0.9 * torch.eye(50))
    assert rnn.config()["input_std"] == 0.5 and rnn.config()["identity_scale"] == 0.9
