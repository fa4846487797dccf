"""Gaps a mutation audit of :mod:`rnnkit.export_loop` found (round 8): each test fails on one changed line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from rnnkit.data.tokenize import pad_batch
from rnnkit.export import export_onnx
from rnnkit.models.classifier import Classifier

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _export(tmp_path: Path, cell: str, **options: Any) -> tuple[Classifier, Any]:
    """A one-direction classifier of ``cell`` exported, and its ONNX graph."""
    onnx = pytest.importorskip("onnx")
    torch.manual_seed(0)
    model = Classifier(10, 3, embedding_dim=5, hidden_size=6, num_layers=2, cell=cell, **options)
    with torch.no_grad():  # larger weights than the start's: the gates matter
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.5)
    model.eval()
    result = export_onnx(model, tmp_path / "m.onnx", vocab_size=10, labels=["a", "b", "c"], metadata={})
    assert result["checked"] and result["max_abs_diff"] < 1e-4
    return model, onnx.load(str(tmp_path / "m.onnx")).graph


def _ops(graph: Any) -> set[str]:
    return {node.op_type for node in graph.node}


@pytest.mark.parametrize("cell", ["minlstm", "rnn_tanh"])
def test_the_looped_cells_the_export_tests_left_out_give_rnnkits_probabilities(tmp_path: Path, cell: str) -> None:
    """minLSTM and the tanh Elman RNN with zoneout run the scripted loop (each its own step): a batch of lengths that
    differ, the longest past the traced one, gives rnnkit's probabilities in onnxruntime."""
    ort = pytest.importorskip("onnxruntime")
    model, graph = _export(tmp_path, cell, zoneout=0.3)
    assert "Loop" in _ops(graph)
    ids, lengths = pad_batch([[2 + (5 * i) % 8 for i in range(30)], [3, 4], [9, 2, 5, 7, 7, 3, 8]])
    got = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"ids": ids.numpy(), "lengths": lengths.numpy()})
    with torch.no_grad():
        assert abs(got[0] - model.probabilities(ids, lengths).numpy()).max() < 1e-4


class _WithLengths(torch.nn.Module):
    def __init__(self, rnn: torch.nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> Any:
        return self.rnn(x, lengths=lengths)


def test_a_rows_cell_state_holds_past_its_length_in_the_exported_loop() -> None:
    """An LSTM with zoneout exported with lengths: past a row's length both its h and its c hold, so the file's
    final (h, c) are rnnkit's for a batch of rows of different lengths (c ran on over the padding, and only the
    exported models' outputs, which read h alone, were checked)."""
    import io

    ort = pytest.importorskip("onnxruntime")
    from rnnkit.recurrent import Recurrent

    torch.manual_seed(0)
    model = _WithLengths(Recurrent("lstm", 3, 4, zoneout=0.3)).eval()
    x, lengths = torch.randn(6, 3, 3), torch.tensor([6, 2, 4])
    buffer = io.BytesIO()
    torch.onnx.export(model, (x, lengths), buffer, input_names=["x", "lengths"], dynamo=False,
                      dynamic_axes={"x": {0: "time", 1: "batch"}, "lengths": {0: "batch"}})
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        want = torch.utils._pytree.tree_leaves(model(x, lengths))
    got = session.run(None, {"x": x.numpy(), "lengths": lengths.numpy()})
    assert len(got) == len(want) == 3  # outputs, h_T, c_T
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(torch.from_numpy(g), w, rtol=1e-5, atol=1e-6)
