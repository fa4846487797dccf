"""The linear-chain CRF against brute force over every tag sequence, gradcheck in float64, and its Viterbi path
in an exported ONNX file."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import torch

from rnnkit.data.tokenize import pad_batch
from rnnkit.errors import UserError
from rnnkit.export import export_onnx
from rnnkit.models import crf as crf_module
from rnnkit.models.crf import LinearChainCRF
from rnnkit.models.tagger import Tagger

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _crf(k: int, seed: int) -> LinearChainCRF:
    torch.manual_seed(seed)
    crf = LinearChainCRF(k).double()
    with torch.no_grad():
        for p in crf.parameters():
            p.normal_()
    return crf


def _brute_score(crf: LinearChainCRF, em: torch.Tensor, path: tuple[int, ...]) -> torch.Tensor:
    s = crf.start[path[0]] + crf.end[path[-1]] + sum(em[t, y] for t, y in enumerate(path))
    return s + sum(crf.transitions[a, b] for a, b in itertools.pairwise(path))


def _batch(lengths: list[int], k: int) -> tuple[torch.Tensor, torch.Tensor]:
    em = torch.randn(len(lengths), max(lengths), k, dtype=torch.float64)
    mask = torch.arange(max(lengths)).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
    return em, mask


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_partition_score_and_viterbi_equal_brute_force(seed: int) -> None:
    k, lengths = 3, [4, 1, 3, 2]
    crf = _crf(k, seed)
    em, mask = _batch(lengths, k)
    em[1, 1:] = 1e3  # padding must not count, whatever it holds
    log_z = crf.log_partition(em, mask)
    best = crf.viterbi(em, mask)
    for b, n in enumerate(lengths):
        paths = list(itertools.product(range(k), repeat=n))
        scores = torch.stack([_brute_score(crf, em[b], p) for p in paths])
        assert torch.allclose(log_z[b], torch.logsumexp(scores, 0))
        assert tuple(best[b]) == paths[int(scores.argmax())]
        tags = torch.zeros(len(lengths), max(lengths), dtype=torch.long)
        tags[b, :n] = torch.tensor(paths[5 % len(paths)])
        assert torch.allclose(crf.score(em, tags, mask)[b], scores[5 % len(paths)])
        nll = crf.nll(em, tags, mask)[b]
        assert torch.allclose(nll, torch.logsumexp(scores, 0) - scores[5 % len(paths)])


@pytest.mark.parametrize("seed", [0, 1])
def test_marginals_equal_brute_force(seed: int) -> None:
    """Each token's p(y_t = k | x): the sum of exp s(y) / Z over every tag sequence with y_t = k; 0 on padding."""
    k, lengths = 3, [4, 1, 3]
    crf = _crf(k, seed)
    em, mask = _batch(lengths, k)
    em[1, 1:] = 1e3
    got = crf.marginals(em, mask)
    assert got.dtype == torch.float64 and not got.requires_grad
    for b, n in enumerate(lengths):
        paths = list(itertools.product(range(k), repeat=n))
        p = torch.softmax(torch.stack([_brute_score(crf, em[b], y) for y in paths]), 0).detach()
        want = torch.zeros(max(lengths), k, dtype=torch.float64)
        for y, prob in zip(paths, p, strict=True):
            for t, tag in enumerate(y):
                want[t, tag] += prob
        torch.testing.assert_close(got[b], want)


def test_a_taggers_marginals_are_its_softmax_without_a_crf_and_the_crfs_with_one() -> None:
    torch.manual_seed(0)
    scores, lengths = torch.randn(2, 3, 4), torch.tensor([3, 2])
    plain, chained = Tagger(10, 4, embedding_dim=4, hidden_size=4), Tagger(10, 4, embedding_dim=4, hidden_size=4,
                                                                            crf=True)
    torch.testing.assert_close(plain.marginals(scores, lengths), torch.softmax(scores, -1))
    with torch.no_grad():
        for p in chained.crf.parameters():
            p.normal_()
    mask = torch.tensor([[True] * 3, [True, True, False]])
    torch.testing.assert_close(chained.marginals(scores, lengths), chained.crf.marginals(scores, mask))
    assert not torch.allclose(chained.marginals(scores, lengths)[0], torch.softmax(scores[0], -1))


def test_nll_gradcheck_float64() -> None:
    crf = _crf(3, 0)
    em, mask = _batch([3, 2], 3)
    tags = torch.tensor([[0, 2, 1], [1, 1, -100]])
    em.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda e, t: crf.nll(e, tags, mask).sum() + 0 * t.sum(),
                                    (em, crf.transitions))


def test_onnx_export_runs_the_viterbi_path_in_the_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Export refused a tagger with a CRF. Its file now gives the Viterbi path as ``tags`` at any length (the
    scripted loop becomes an ONNX Loop), not each token's argmax; traced as plain Python the loop was unrolled at
    the traced length, and the check refuses such a file."""
    ort = pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    model = Tagger(vocab_size=20, num_tags=3, embedding_dim=6, hidden_size=5, crf=True).eval()
    with torch.no_grad():
        model.crf.transitions.normal_(0, 4)  # strong transitions: the best path is not each token's argmax
    kwargs = {"vocab_size": 20, "labels": ["a", "b", "c"], "metadata": {}, "per_step": True}
    result = export_onnx(model, tmp_path / "t.onnx", **kwargs)
    assert result["checked"] and result["outputs"] == ["probabilities", "tags"]
    ids, lengths = pad_batch([[(3 * i) % 18 + 2 for i in range(40)], [5, 6, 7], [9]])  # longer than traced (12)
    probabilities, tags = ort.InferenceSession(str(tmp_path / "t.onnx")).run(None, {"ids": ids.numpy(),
                                                                                   "lengths": lengths.numpy()})
    with torch.no_grad():
        want = model.decode(model(ids, lengths), lengths)
    assert [row[:n] for row, n in zip(tags.tolist(), lengths.tolist(), strict=True)] == want
    assert [row[:n] for row, n in zip(probabilities.argmax(-1).tolist(), lengths.tolist(), strict=True)] != want
    monkeypatch.setattr(crf_module, "_scripted_best_path", lambda: crf_module._best_path)
    with pytest.raises(UserError, match="onnxruntime's tags differ from rnnkit's at"):
        export_onnx(model, tmp_path / "unrolled.onnx", **kwargs)
    assert not (tmp_path / "unrolled.onnx").exists()


@pytest.mark.parametrize("cell, crf", [("mingru", True), ("minlstm", False)])
def test_a_mingru_or_minlstm_tagger_exports_at_any_length(tmp_path: Path, cell: str, crf: bool) -> None:
    """Export refused a minGRU or minLSTM tagger (its own time loop); its scan's rounds and the Viterbi path are
    ONNX Loops now: the file gives the model's probabilities and tags on sentences longer than the traced ones."""
    ort = pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    model = Tagger(vocab_size=20, num_tags=3, embedding_dim=6, hidden_size=5, num_layers=2, cell=cell, crf=crf).eval()
    kwargs = {"vocab_size": 20, "labels": ["a", "b", "c"], "metadata": {}, "per_step": True}
    assert export_onnx(model, tmp_path / "t.onnx", **kwargs)["max_abs_diff"] < 1e-5
    ids, lengths = pad_batch([[(3 * i) % 18 + 2 for i in range(200)], [5, 6, 7], [9],
                              [(7 * i) % 18 + 2 for i in range(45)]])
    probabilities, tags = ort.InferenceSession(str(tmp_path / "t.onnx")).run(None, {"ids": ids.numpy(),
                                                                                   "lengths": lengths.numpy()})
    with torch.no_grad():
        scores = model(ids, lengths)
    real = torch.arange(ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)
    assert (torch.from_numpy(probabilities) - torch.softmax(scores, -1))[real].abs().max() < 1e-5
    assert [row[:n] for row, n in zip(tags.tolist(), lengths.tolist(), strict=True)] == model.decode(scores, lengths)
