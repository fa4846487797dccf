"""``gradient_norms_through_time`` probes the model as it runs: an LSTM with ``proj_size`` was torch's shape error
("mat1 and mat2 shapes cannot be multiplied"), and one with ``layer_norm=True`` (or zoneout) was probed as the plain
LSTM, its loss reading a last state the model never gives. Judged by torch.nn.LSTM with the same weights (the
projection) and by the model's own forward (layer normalisation, zoneout in eval mode): the loss reads the h_n the
model returns, and ‖∂L/∂h_t‖ is what differentiating the model's forward restarted at step t gives."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Recurrent
from rnnkit.diagnostics import gradient_norms_through_time
from tests.test_fixexp_diagnostics import torch_norms

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _loss_and_last(v: torch.Tensor) -> tuple[list[torch.Tensor], object]:
    """A loss of the last state that keeps the state it was given."""
    seen: list[torch.Tensor] = []

    def loss_fn(h: torch.Tensor) -> torch.Tensor:
        seen.append(h.detach())
        return (h * v).sum() + h.pow(2).sum()

    return seen, loss_fn


def _randomised(rnn: Recurrent) -> Recurrent:
    """Every parameter moved off its initial value (layer normalisation's gains 1 and shifts 0 among them)."""
    with torch.no_grad():
        for p in rnn.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return rnn.eval()


@pytest.mark.parametrize("layer", [0, 1])
def test_a_projected_lstm_is_probed_as_torch_nn_lstm_computes_it(layer: int) -> None:
    torch.manual_seed(0)
    rnn = _randomised(Recurrent("lstm", 3, 5, num_layers=2, proj_size=2, batch_first=True).double())
    lstm = torch.nn.LSTM(3, 5, num_layers=2, proj_size=2, batch_first=True).double()
    lstm.load_state_dict(rnn.state_dict())
    lstm.eval()
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    seen, loss_fn = _loss_and_last(torch.randn(2, dtype=torch.float64))
    norms = gradient_norms_through_time(rnn, x, loss_fn, layer=layer)
    torch.testing.assert_close(seen[0], lstm(x)[1][0][layer].detach(), rtol=1e-12, atol=1e-12)
    assert norms.tolist() == pytest.approx(torch_norms(lstm, x, layer, loss_fn), rel=1e-9, abs=1e-12)


OPTIONS = [{"layer_norm": True}, {"zoneout": 0.3}, {"layer_norm": True, "zoneout": (0.2, 0.4)}]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("layer", [0, 1])
def test_a_regularised_lstm_is_probed_as_its_own_forward_runs(options: dict, layer: int) -> None:
    torch.manual_seed(1)
    rnn = _randomised(Recurrent("lstm", 3, 4, num_layers=2, batch_first=True, **options).double())
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    seen, loss_fn = _loss_and_last(torch.randn(4, dtype=torch.float64))
    norms = gradient_norms_through_time(rnn, x, loss_fn, layer=layer)
    with torch.no_grad():
        torch.testing.assert_close(seen[0], rnn(x)[1][0][layer], rtol=1e-12, atol=1e-12)
    assert norms.tolist() == pytest.approx(torch_norms(rnn, x, layer, loss_fn), rel=1e-9, abs=1e-12)
