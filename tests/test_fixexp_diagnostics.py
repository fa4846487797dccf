"""Two faults of rnnkit.diagnostics. ``spectral_radius(w, "clockwork")`` without ``mask=`` gave the radius of all of
W_hh, of which a Clockwork cell reads only the block-triangular part: given the cell itself (``rnn.cell_def``) its own
mask is taken, and given the name alone ``mask=`` is asked for in one line; judged by numpy.linalg.eigvals on the
masked matrix. ``gradient_norms_through_time(rnn, ..., layer=N)`` refused every stacked Recurrent, so ``layer`` could
only be 0: it now probes layer N of a stack, counted as torch.nn.LSTM's num_layers counts them, judged by
torch.nn.LSTM itself with the same weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit import Recurrent
from rnnkit.diagnostics import gradient_norms_through_time, spectral_radius

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def numpy_radius(w: np.ndarray) -> float:
    return float(np.abs(np.linalg.eigvals(w)).max())


def test_a_clockwork_cell_s_radius_is_that_of_the_part_it_reads() -> None:
    torch.manual_seed(0)
    rnn = Recurrent("clockwork", 2, 9, periods=[1, 2, 4])
    mask = rnn.cell_def.connectivity()
    # the entries the step does not read, which rnnkit's own initialisation leaves at 0, set as a W_hh from
    # elsewhere has them (torch.nn.RNN's state dict loaded into the Clockwork RNN, whose layout it shares)
    w = rnn.weight_hh_l0.detach() + (1 - mask) * torch.randn(9, 9)
    expected = numpy_radius(w.double().numpy() * mask.double().numpy())
    assert expected != pytest.approx(numpy_radius(w.double().numpy()), rel=1e-3)  # the mask matters here
    assert spectral_radius(w, rnn.cell_def)["radius"] == pytest.approx(expected, rel=1e-9)
    assert spectral_radius(w, "clockwork", mask=mask)["radius"] == pytest.approx(expected, rel=1e-9)


def test_the_name_alone_asks_for_the_mask_in_one_line() -> None:
    w = Recurrent("clockwork", 2, 6, periods=[1, 3]).weight_hh_l0
    with pytest.raises(ValueError, match=r"^spectral_radius: a clockwork cell reads only part of W_hh.*mask=") as e:
        spectral_radius(w, "clockwork")
    assert "\n" not in str(e.value)


def test_a_cell_that_reads_all_of_w_hh_needs_no_mask() -> None:
    torch.manual_seed(0)
    rnn = Recurrent("rnn_tanh", 2, 5)
    w = rnn.weight_hh_l0.detach()
    expected = numpy_radius(w.double().numpy())
    assert spectral_radius(w, rnn.cell_def)["radius"] == pytest.approx(expected, rel=1e-9)
    assert spectral_radius(w, "rnn_tanh")["radius"] == pytest.approx(expected, rel=1e-9)


def torch_norms(lstm: torch.nn.LSTM, x: torch.Tensor, layer: int, loss_fn) -> list[float]:
    """‖∂L/∂h_t‖ of ``layer`` by torch.nn.LSTM: run to step t, restart from there with that layer's h_t a leaf, and
    differentiate the loss of that layer's last state."""
    norms = []
    for t in range(x.shape[1]):
        _, (h, c) = lstm(x[:, : t + 1])
        leaf = h[layer].detach().requires_grad_()
        if t == x.shape[1] - 1:
            last = leaf
        else:
            start = torch.stack([leaf if k == layer else h[k].detach() for k in range(h.shape[0])])
            _, (h_end, _) = lstm(x[:, t + 1 :], (start, c.detach()))
            last = h_end[layer]
        (grad,) = torch.autograd.grad(loss_fn(last), leaf)
        norms.append(float(grad.norm(dim=-1).mean()))
    return norms


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_each_layer_of_a_stack_is_probed_as_torch_nn_lstm_computes_it(layer: int) -> None:
    torch.manual_seed(0)
    rnn = Recurrent("lstm", 3, 4, num_layers=3, batch_first=True, dropout=0.5).double()
    lstm = torch.nn.LSTM(3, 4, num_layers=3, batch_first=True).double()
    lstm.load_state_dict(rnn.state_dict())
    lstm.eval()
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    v = torch.randn(4, dtype=torch.float64)

    def loss_fn(h: torch.Tensor) -> torch.Tensor:
        return (h * v).sum() + h.pow(2).sum()

    norms = gradient_norms_through_time(rnn, x, loss_fn, layer=layer)
    assert norms.tolist() == pytest.approx(torch_norms(lstm, x, layer, loss_fn), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("layer", [3, -1, 1.0, True])
def test_a_layer_the_stack_has_not_is_one_line(layer: object) -> None:
    rnn = Recurrent("gru", 3, 4, num_layers=3)
    with pytest.raises(ValueError, match=r"^gradient_norms_through_time: layer .*: expected an integer from 0 to 2, "
                                         r"the Recurrent's num_layers = 3"):
        gradient_norms_through_time(rnn, torch.randn(5, 2, 3), lambda h: h.sum(), layer=layer)
