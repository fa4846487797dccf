"""``torch.func`` transforms (``grad``, ``vmap``) over ``rnnkit.Recurrent`` on its default path, for every cell.

The layers whose default path runs one of rnnkit's autograd Functions (the regularisers' hand-written BPTT, the
Clockwork RNN's, minGRU's and minLSTM's scans) failed under any transform: "In order to use an autograd.Function
with functorch transforms ... it must override the setup_context staticmethod". Under a transform they take the
step loop, which computes the same; judged by torch's autograd (and by running each batch alone).
"""

from __future__ import annotations

import pytest
import torch

from rnnkit import Recurrent

pytestmark = pytest.mark.usefixtures("one_torch_thread")

LAYERS = [("lstm", {"zoneout": 0.2}), ("lstm", {"layer_norm": True}), ("gru", {"zoneout": 0.2}),
          ("rnn_tanh", {"recurrent_dropout": 0.2}), ("clockwork", {}), ("clockwork", {"zoneout": 0.1}),
          ("mingru", {}), ("minlstm", {})]


def _layer(cell: str, options: dict) -> Recurrent:
    torch.manual_seed(0)
    return Recurrent(cell, 3, 4, num_layers=2, dtype=torch.float64, **options).eval()


@pytest.mark.parametrize(("cell", "options"), LAYERS)
def test_torch_func_grad_equals_autograd(cell: str, options: dict) -> None:
    layer = _layer(cell, options)
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    params = dict(layer.named_parameters())

    def loss(p: dict[str, torch.Tensor]) -> torch.Tensor:
        out, _ = torch.func.functional_call(layer, p, (x,))
        return out.pow(2).sum()

    got = torch.func.grad(loss)(params)
    expected = torch.autograd.grad(layer(x)[0].pow(2).sum(), list(params.values()))
    for name, e in zip(params, expected, strict=True):
        torch.testing.assert_close(got[name], e)


@pytest.mark.parametrize(("cell", "options"), [layer for layer in LAYERS if "recurrent_dropout" not in layer[1]])
def test_vmap_equals_each_batch_alone(cell: str, options: dict) -> None:
    """(Recurrent dropout is off at evaluation: that layer runs torch's kernel, which vmap refuses, as torch.nn's.)"""
    layer = _layer(cell, options)
    xs = torch.randn(3, 5, 2, 3, dtype=torch.float64)  # three independent batches
    got = torch.func.vmap(lambda x: layer(x)[0])(xs)
    torch.testing.assert_close(got, torch.stack([layer(x)[0] for x in xs]))
