"""rnnkit.export: the sample inputs, an unchecked export's answer and metadata, and what the onnxruntime check refuses
(gaps test_export_loop and the exporting tests left open)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.export import (
    _check_with_onnxruntime,
    _Probabilities,
    _sample_batch,
    _sample_spellings,
    export_onnx,
)
from rnnkit.models.classifier import Classifier
from rnnkit.models.tagger import Tagger

pytestmark = pytest.mark.usefixtures("one_torch_thread")



def test_sample_spellings_fill_real_tokens_only_and_use_the_full_width_once() -> None:
    lengths = torch.tensor([3, 1, 2])
    chars = _sample_spellings(5, lengths, 4, torch.Generator().manual_seed(0))
    assert chars.shape == (3, 3, 4) and bool((chars[0, 0] > 0).all())  # the traced graph sees the full width
    spelt = (chars > 0).sum(-1)
    real = torch.arange(3).unsqueeze(0) < lengths.unsqueeze(1)
    assert bool((spelt[real] >= 1).all()) and bool((spelt[~real] == 0).all())
    assert torch.equal(chars > 0, torch.arange(4) < spelt.unsqueeze(-1))  # each spelling a prefix, then padding


def test_sample_ids_are_real_tokens() -> None:
    ids, lengths = _sample_batch(3, (4, 2), torch.Generator().manual_seed(0))
    assert lengths.tolist() == [4, 2] and bool((ids[0] == 2).all()) and ids[1].tolist() == [2, 2, 0, 0]


def test_a_vocabulary_of_the_special_ids_alone_exports(tmp_path: Path) -> None:
    """A model whose vocabulary holds only <pad> and <unk> (``--min-count`` above every word's count) failed in
    torch's embedding with 'index out of range': its sample ids were drawn from 2 to 3, past its 2 rows."""
    pytest.importorskip("onnxruntime")
    ids, _ = _sample_batch(2, (4, 2), torch.Generator().manual_seed(0))
    assert ids.tolist() == [[1, 1, 1, 1], [1, 1, 0, 0]]
    torch.manual_seed(0)
    model = Classifier(2, 2, embedding_dim=3, hidden_size=4, cell="gru").eval()
    result = export_onnx(model, tmp_path / "m.onnx", vocab_size=2, labels=["x", "y"], metadata={})
    assert result["checked"] is True


def _exported(tmp_path: Path) -> tuple[Classifier, Path, dict]:
    torch.manual_seed(0)
    model = Classifier(4, 2, embedding_dim=3, hidden_size=4, cell="gru").eval()
    path = tmp_path / "m.onnx"
    result = export_onnx(model, path, vocab_size=4, labels=["x", "y"], metadata={"task": "classify"}, check=False)
    return model, path, result


def test_an_unchecked_export_says_so_and_keeps_its_metadata(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    _, path, result = _exported(tmp_path)
    assert result == {"onnx": str(path), "inputs": ["ids", "lengths"], "output": "probabilities",
                      "outputs": ["probabilities"], "labels": ["x", "y"], "checked": False}
    assert {p.key: p.value for p in onnx.load(str(path)).metadata_props} == {"task": "classify"}


def test_the_check_refuses_a_difference_over_1e_4_or_not_a_number(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    model, path, _ = _exported(tmp_path)
    batch = dict(zip(("ids", "lengths"), _sample_batch(3, (4, 1, 2), torch.Generator().manual_seed(1)), strict=True))
    with torch.no_grad():
        want = model.probabilities(*batch.values())
    close = _check_with_onnxruntime(lambda ids, lengths: want + 5e-5, path, batch)
    assert close["checked"] and 4e-5 < close["max_abs_diff"] <= 1e-4
    for off in (0.01, float("nan")):
        with pytest.raises(UserError, match=r"^final.onnx: onnxruntime's probabilities differ from rnnkit's by "
                                            r"[0-9.na]+; the export is wrong, and was not written$"):
            _check_with_onnxruntime(lambda ids, lengths, off=off: want + off, path, batch, shown=Path("final.onnx"))


def test_a_taggers_check_reads_the_real_tokens_only(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    model = Tagger(4, 3, embedding_dim=3, hidden_size=4, cell="gru").eval()
    path = tmp_path / "t.onnx"
    export_onnx(model, path, vocab_size=4, labels=["a", "b", "c"], metadata={}, per_step=True, check=False)
    batch = dict(zip(("ids", "lengths"), _sample_batch(4, (3, 1), torch.Generator().manual_seed(1)), strict=True))
    with torch.no_grad():
        probs, tags = _Probabilities(model, per_step=True)(*batch.values())
    padded = torch.tensor([[False, False, False], [False, True, True]])

    def answer(probs: torch.Tensor, tags: torch.Tensor) -> Callable[..., tuple[torch.Tensor, torch.Tensor]]:
        return lambda ids, lengths: (probs, tags)

    padding_differs = answer(probs + padded.unsqueeze(-1), tags + padded)  # what padded steps hold is not read
    assert _check_with_onnxruntime(padding_differs, path, batch)["checked"]
    with pytest.raises(UserError, match=r"t.onnx: onnxruntime.s tags differ from rnnkit.s at 1 of 4 tokens; the "):
        _check_with_onnxruntime(answer(probs, tags + ~padded * torch.tensor([[0, 1, 0], [0, 0, 0]])), path, batch)
