"""ONNX export of the layers that run rnnkit's own time loop (the Clockwork RNN, zoneout, the layer-normalised LSTM,
``impl="reference"``): the file's probabilities are rnnkit's at lengths the export never traced."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import torch

from rnnkit.cells import Clockwork
from rnnkit.data.tokenize import pad_batch
from rnnkit.errors import UserError
from rnnkit.export import EXPORTED_CELLS, export_onnx
from rnnkit.export_loop import _clockwork_step
from rnnkit.models.classifier import Classifier
from rnnkit.models.tagger import Tagger

pytestmark = pytest.mark.usefixtures("one_torch_thread")

LOOPED = [("clockwork", {}), ("clockwork", {"periods": [1, 3, 5], "nonlinearity": "relu", "zoneout": 0.4}),
          ("lstm", {"layer_norm": True}), ("lstm", {"zoneout": (0.2, 0.5)}),
          ("lstm", {"layer_norm": True, "zoneout": 0.3}), ("gru", {"zoneout": 0.3}), ("irnn", {"zoneout": 0.3}),
          ("mingru", {"zoneout": 0.3}), ("lstm", {"impl": "reference"})]


def _model(per_step: bool, cell: str, options: dict[str, Any]) -> torch.nn.Module:
    torch.manual_seed(0)
    kind = Tagger if per_step else Classifier
    model = kind(10, 3, embedding_dim=5, hidden_size=6, num_layers=2, cell=cell, bidirectional=True, **options)
    with torch.no_grad():  # larger weights than the start's: the gates and clocks matter
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.5)
    return model.eval()


@pytest.mark.parametrize("per_step", [False, True], ids=["classifier", "tagger"])
@pytest.mark.parametrize("cell, options", LOOPED, ids=[f"{c}-{'-'.join(o)}" for c, o in LOOPED])
def test_a_looped_layer_exports_at_any_length(tmp_path: Path, per_step: bool, cell: str,
                                              options: dict[str, Any]) -> None:
    """Export refused these ("runs its own time loop, which ONNX cannot express"); the loop is an ONNX Loop now, two
    layers in both directions, the reverse one within each row's length: a padded batch of lengths that differ, the
    longest (40) past the traced 12, gives rnnkit's probabilities (and a tagger's tags) in onnxruntime."""
    ort = pytest.importorskip("onnxruntime")
    model = _model(per_step, cell, options)
    result = export_onnx(model, tmp_path / "m.onnx", vocab_size=10, labels=["a", "b", "c"], metadata={},
                         per_step=per_step)
    assert result["checked"] and result["max_abs_diff"] < 1e-4
    ids, lengths = pad_batch([[2 + (5 * i) % 8 for i in range(40)], [3, 4], [9, 2, 5, 7, 7, 3, 8], [6]])
    got = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"ids": ids.numpy(), "lengths": lengths.numpy()})
    with torch.no_grad():
        if not per_step:
            assert abs(got[0] - model.probabilities(ids, lengths).numpy()).max() < 1e-4
            return
        scores = model(ids, lengths)
        want, tags = torch.softmax(scores, -1), model.decode(scores, lengths)
    for row, n in enumerate(lengths.tolist()):
        assert abs(got[0][row, :n] - want[row, :n].numpy()).max() < 1e-4
        assert got[1][row, :n].tolist() == tags[row]


@pytest.mark.parametrize("periods", [[1, 2, 4], [1, 3, 5]])
@pytest.mark.parametrize("relu", [False, True])
def test_the_scripted_clockwork_step_is_the_cells(periods: list[int], relu: bool) -> None:
    """The export's Clockwork step (the clock a tensor, compiled) against the cell's own step, random weights."""
    torch.manual_seed(1)
    cell = Clockwork(7, periods, nonlinearity="relu" if relu else "tanh")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit.script's, as the export's own
        step = torch.jit.script(_clockwork_step)
    w_hh, b_hh = cell.prepare(torch.randn(7, 7)), torch.randn(7)
    h = torch.randn(3, 7)
    for t in range(11):
        xw = torch.randn(3, 7)
        want = cell.step(xw, h, w_hh, b_hh, t)
        torch.testing.assert_close(step(xw, h, w_hh, b_hh, cell._unit_periods, torch.tensor(t), relu), want)
        h = want


@pytest.mark.parametrize("impl", ["reference", "auto"])
def test_every_cell_exports_and_a_projected_lstm_is_refused(tmp_path: Path, impl: str) -> None:
    """An LSTM with proj_size has no ONNX form, on rnnkit's loop or torch's kernel (whose exporter raised its own
    SymbolicValueError, "LSTMs with projections", from deep inside): refused in one line, before anything is
    written."""
    assert "clockwork" in EXPORTED_CELLS and "lstm" in EXPORTED_CELLS
    model = Classifier(10, 2, embedding_dim=4, hidden_size=4, proj_size=2, impl=impl)
    with pytest.raises(UserError, match=r"^run/: an LSTM with proj_size has no ONNX form \(torch's exporter writes "
                                        r"no projection, and rnnkit's own loop none either\); export it without "
                                        r"proj_size$"):
        export_onnx(model, tmp_path / "m.onnx", vocab_size=10, labels=["a", "b"], metadata={},
                    where="run/")
    assert not (tmp_path / "m.onnx").exists()


def test_the_export_shows_no_deprecation_of_what_it_compiles_inside(tmp_path: Path) -> None:
    """torch 2.13 deprecates ``torch.jit.script``, which the export compiles three loops with (the Clockwork,
    zoneout and layer-norm step loop, the CRF's Viterbi path, minGRU's scan), each under torch.onnx.export: a user
    of ``rnnkit export`` or ``.export()`` can do nothing about that warning, and sees none of it, even with every
    warning shown (``-W default``). The compiled loops are cleared first, so that each is compiled here."""
    from rnnkit import export_loop, scan
    from rnnkit.models import crf

    compiled = (export_loop._scripted_loop, crf._scripted_best_path, scan._scripted_doubling_scan)
    for fn in compiled:
        fn.cache_clear()
    torch.manual_seed(0)
    models = [(Classifier(10, 3, embedding_dim=5, hidden_size=6, cell="clockwork", zoneout=0.2), False),
              (Tagger(10, 3, embedding_dim=5, hidden_size=6, cell="mingru", crf=True), True)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for model, per_step in models:
            export_onnx(model.eval(), tmp_path / "m.onnx", vocab_size=10, labels=["a", "b", "c"], metadata={},
                        per_step=per_step, check=False)
    assert [fn.cache_info().currsize for fn in compiled] == [1, 1, 1]  # each loop was compiled in the export
    assert [str(w.message) for w in caught] == []
