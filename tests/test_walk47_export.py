"""``torch.export.export`` of a model holding an rnnkit layer whose sequence runs rnnkit's own autograd Functions
(walk47): minGRU's and minLSTM's scans, the hand-written BPTT of zoneout, the layer-normalised LSTM.

Before: the export failed, strict or not ("lerp(): functions with out=... arguments don't support automatic
differentiation", "Cannot access data pointer of Tensor (e.g. FakeTensor ...)"), where the same model with
``impl="reference"`` exported. Now the export takes the step loop, which computes the same, as the ONNX exporters do.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import Tensor, nn

import rnnkit


class _Tagger(nn.Module):
    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: Tensor) -> Tensor:
        return self.rnn(x)[0]


@pytest.mark.parametrize("make", [lambda: rnnkit.Recurrent("mingru", 3, 4, batch_first=True),
                                  lambda: rnnkit.Recurrent("gru", 3, 4, batch_first=True, zoneout=0.1),
                                  lambda: rnnkit.Recurrent("lstm", 3, 4, batch_first=True, layer_norm=True)],
                         ids=["mingru", "zoneout", "layer_norm"])
def test_export_takes_the_step_loop(make: Callable[[], nn.Module]) -> None:
    torch.manual_seed(0)
    model, x = _Tagger(make()).eval(), torch.randn(2, 5, 3)
    exported = torch.export.export(model, (x,))
    torch.testing.assert_close(exported.module()(x), model(x))
