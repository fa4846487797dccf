"""A model that packs its batch exports to ONNX (TorchScript-based exporter) with a layer on rnnkit's step loop.

The tutorial tagger packs its padded batch (``pack_padded_sequence(..., enforce_sorted=False)``), runs the layer,
and unpacks. With the layer on torch's kernel (``rnnkit.LSTM``'s default) that exported as torch.nn's does; with
it on rnnkit's step loop (``impl="reference"``, the Clockwork RNN, zoneout, minGRU ...) ``torch.onnx.export``
failed: ``Cannot export individual pack_padded_sequence or pad_packed_sequence; these operations must occur in
pairs``. The file now computes what torch.nn (or the eager layer) does, on another length and batch.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable

import pytest
import torch
from torch import Tensor, nn

import rnnkit

ort = pytest.importorskip("onnxruntime")


class _Tagger(nn.Module):
    """Pack, run, unpack: the packed-sequence tagger of PyTorch's tutorials, with a given initial state."""

    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: Tensor, lengths: Tensor, h0: Tensor) -> Tensor:
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        state = (h0, torch.tanh(h0)) if isinstance(self.rnn, nn.LSTM) else h0
        out, _ = self.rnn(packed, state)
        return nn.utils.rnn.pad_packed_sequence(out, total_length=x.shape[0])[0]


def _exported(model: nn.Module, layers: int) -> ort.InferenceSession:
    buffer = io.BytesIO()
    example = (torch.randn(6, 3, 3), torch.tensor([6, 2, 4]), torch.randn(layers, 3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, example, buffer, input_names=["x", "lengths", "h0"], dynamo=False,
                          dynamic_axes={"x": {0: "time", 1: "batch"}, "lengths": {0: "batch"}, "h0": {1: "batch"}})
    return ort.InferenceSession(buffer.getvalue())


@pytest.mark.parametrize(("ours", "theirs"), [
    (lambda: rnnkit.GRU(3, 4, bidirectional=True, impl="reference"), lambda: nn.GRU(3, 4, bidirectional=True)),
    (lambda: rnnkit.LSTM(3, 4, impl="reference"), lambda: nn.LSTM(3, 4)),
    (lambda: rnnkit.Recurrent("clockwork", 3, 4, periods=[1, 2]), None),
])
def test_packed_model_on_the_step_loop_exports_and_runs_another_length_and_batch(
        ours: Callable[[], nn.Module], theirs: Callable[[], nn.Module] | None) -> None:
    torch.manual_seed(0)
    layer = ours()
    reference = layer if theirs is None else theirs()
    if theirs is not None:
        reference.load_state_dict(layer.state_dict())
    layers = 2 if layer.bidirectional else 1
    session = _exported(_Tagger(layer).eval(), layers)
    x, lengths, h0 = torch.randn(8, 2, 3), torch.tensor([3, 8]), torch.randn(layers, 2, 4)
    got = session.run(None, {"x": x.numpy(), "lengths": lengths.numpy(), "h0": h0.numpy()})[0]
    with torch.no_grad():
        want = _Tagger(reference).eval()(x, lengths, h0)
    mask = torch.arange(8).unsqueeze(1) < lengths  # the padding's rows hold whatever the exporter gives
    torch.testing.assert_close(torch.from_numpy(got)[mask], want[mask], atol=1e-5, rtol=1e-5)


class _Classifier(nn.Module):
    """Pack, run, read the last layer's final state: the packed-sequence classifier of PyTorch's tutorials."""

    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        _, state = self.rnn(nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False))
        return (state[0] if isinstance(state, tuple) else state)[-1]


@pytest.mark.parametrize("make", [lambda: rnnkit.GRU(3, 4, 2, impl="reference"),
                                  lambda: rnnkit.Recurrent("lstm", 3, 4, layer_norm=True)])
def test_packed_classifier_reading_the_final_state_exports_on_the_step_loop(make: Callable[[], nn.Module]) -> None:
    torch.manual_seed(0)
    model = _Classifier(make()).eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(6, 3, 3), torch.tensor([6, 2, 4])), buffer, input_names=["x", "lengths"],
                          dynamo=False, dynamic_axes={"x": {0: "time", 1: "batch"}, "lengths": {0: "batch"}})
    x, lengths = torch.randn(8, 2, 3), torch.tensor([3, 8])
    got = ort.InferenceSession(buffer.getvalue()).run(None, {"x": x.numpy(), "lengths": lengths.numpy()})[0]
    with torch.no_grad():
        torch.testing.assert_close(torch.from_numpy(got), model(x, lengths), atol=1e-5, rtol=1e-5)
