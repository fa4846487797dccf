"""torch.compile and torch.export of a model holding rnnkit's layers, beside torch.nn's RNNs (walk47).

Before: ``torch.export.export(model, args, strict=True)``, which traces torch.nn.LSTM / GRU / RNN into the graph
(it sets Dynamo's ``allow_rnn``), failed on every rnnkit layer ("Attempted to call function marked as skipped"),
and ``torch.compile(model, fullgraph=True)`` said the same, naming torch's ``disable`` and asking for an issue to
PyTorch. Now strict export takes the layer as it takes torch.nn's, and fullgraph names the layer and what to do.
Every compile also warned of a ``functools.lru_cache`` that Dynamo traced through; it warns nothing now.

And ``torch.export.export`` of a layer whose sequence runs rnnkit's own autograd Functions (minGRU's and minLSTM's
scans, the hand-written BPTT of zoneout, the layer-normalised LSTM) failed, strict or not ("lerp(): functions with
out=... arguments don't support automatic differentiation", "Cannot access data pointer of Tensor (e.g. FakeTensor
...)"), where the same model with ``impl="reference"`` exported. Now the export takes the step loop, which computes
the same, as the ONNX exporters do.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest
import torch
from torch import Tensor, nn

import rnnkit


class _Tagger(nn.Module):
    """A model holding the layer, as a user's would."""

    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: Tensor) -> Tensor:
        return self.rnn(x)[0]


@pytest.mark.parametrize("make", [lambda: rnnkit.GRU(3, 4, batch_first=True),
                                  lambda: rnnkit.Recurrent("lstm", 3, 4, batch_first=True, impl="reference")],
                         ids=["GRU", "Recurrent-reference"])
def test_strict_export_takes_the_layer_as_torch_nn(make: Callable[[], nn.Module]) -> None:
    torch.manual_seed(0)
    model, x = _Tagger(make()).eval(), torch.randn(2, 4, 3)
    exported = torch.export.export(model, (x,), strict=True)
    torch.testing.assert_close(exported.module()(x), model(x))


def test_fullgraph_names_the_layer() -> None:
    torch._dynamo.reset()
    model = _Tagger(rnnkit.Recurrent("gru", 3, 4))
    with pytest.raises(RuntimeError, match="gru: rnnkit's recurrent layers run eagerly .* fullgraph=True"):
        torch.compile(model, fullgraph=True, backend="eager")(torch.randn(4, 2, 3))


def test_compile_warns_nothing() -> None:
    """Every compile of a model holding the layer warned "Dynamo detected a call to a `functools.lru_cache`-wrapped
    function at 'recurrent.py' ... Silent incorrectness is only a *potential* risk"; torch.nn's RNNs warn nothing."""
    torch.manual_seed(0)
    model, x = _Tagger(rnnkit.LSTM(3, 4)), torch.randn(4, 2, 3)
    torch._dynamo.reset()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = torch.compile(model, backend="eager")(x)
    assert [str(w.message) for w in caught] == []
    torch.testing.assert_close(out, model(x))


@pytest.mark.parametrize("make", [lambda: rnnkit.Recurrent("mingru", 3, 4, batch_first=True),
                                  lambda: rnnkit.Recurrent("gru", 3, 4, batch_first=True, zoneout=0.1),
                                  lambda: rnnkit.Recurrent("lstm", 3, 4, batch_first=True, layer_norm=True)],
                         ids=["mingru", "zoneout", "layer_norm"])
def test_export_takes_the_step_loop(make: Callable[[], nn.Module]) -> None:
    torch.manual_seed(0)
    model, x = _Tagger(make()).eval(), torch.randn(2, 5, 3)
    exported = torch.export.export(model, (x,))
    torch.testing.assert_close(exported.module()(x), model(x))
