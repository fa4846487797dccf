"""A Clockwork RNN stepped by hand without ``t=`` (``Recurrent.step(x, state)``, a ``make_cell`` module's
``cell(x, h)``) took every step as step 0: every module updated every step, a plain RNN, without a word, and the
steps differed from ``forward`` on the same input. A step given a state and no ``t`` is now refused in one line
saying what ``t`` is; with ``t`` the steps are ``forward``'s. Other cells step as before without it."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Recurrent
from rnnkit.cells import make_cell_module
from rnnkit.models.language_model import LanguageModel

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_stepping_a_clockwork_rnn_without_t_is_refused() -> None:
    torch.manual_seed(0)
    rnn = Recurrent("clockwork", 3, 6, periods=[1, 2, 4])
    x = torch.randn(4, 2, 3)
    _, h = rnn.step(x[0])  # the first step of a sequence: clock 0, as forward's
    with pytest.raises(TypeError, match=r"^clockwork: step\(\) of a Clockwork RNN needs t=, the step's index"):
        rnn.step(x[1], h)


@pytest.mark.parametrize("layers", [1, 2])
def test_steps_with_t_are_the_forward_pass(layers: int) -> None:
    torch.manual_seed(layers)
    rnn = Recurrent("clockwork", 3, 6, num_layers=layers, periods=[1, 2, 3]).double()
    x = torch.randn(7, 2, 3, dtype=torch.float64)
    want, h_n = rnn(x)
    h, steps = None, []
    for t in range(7):
        y, h = rnn.step(x[t], h, t=t)
        steps.append(y)
    torch.testing.assert_close(torch.stack(steps), want)
    torch.testing.assert_close(h, h_n)


def test_a_clockwork_cell_module_without_t_is_refused_and_with_it_matches_the_layer() -> None:
    torch.manual_seed(1)
    cell = make_cell_module("clockwork", 3, 5, periods=[1, 2]).double()
    rnn = Recurrent("clockwork", 3, 5, periods=[1, 2]).double()
    rnn.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    h = cell(x[0])
    with pytest.raises(TypeError, match=r"^clockwork: step\(\) of a Clockwork RNN needs t="):
        cell(x[1], h)
    for t in range(1, 5):
        h = cell(x[t], h, t=t)
    torch.testing.assert_close(h, rnn(x)[1][0])


def test_a_clockwork_language_model_steps_as_it_reads() -> None:
    torch.manual_seed(2)
    lm = LanguageModel(7, embed_dim=4, hidden_size=6, num_layers=1, cell="clockwork", periods=[1, 2]).eval()
    ids = torch.randint(0, 7, (2, 5))
    want, _ = lm(ids.T)
    state, got = None, []
    for t in range(5):
        logits, state = lm.step(ids[:, t], state, t)
        got.append(logits)
    torch.testing.assert_close(torch.stack(got), want)
    with pytest.raises(TypeError, match="needs t="):
        lm.step(ids[:, 0], state)


@pytest.mark.parametrize("cell", ["gru", "rnn_tanh", "lstm"])
def test_other_cells_still_step_without_t(cell: str) -> None:
    torch.manual_seed(3)
    rnn = Recurrent(cell, 3, 4).double()
    x = torch.randn(3, 2, 3, dtype=torch.float64)
    want, _ = rnn(x)
    state, steps = None, []
    for t in range(3):
        y, state = rnn.step(x[t], state)
        steps.append(y)
    torch.testing.assert_close(torch.stack(steps), want)
