"""The "two means" and "distinct ids" prototypes of benchmarks/classify_bag_variants.py (docs/CLASSIFY.md, "Tried
on the bag and not adopted"), judged by brute force on a tiny table: the mean of a row's word ids plus the mean
of its character n-gram ids (each id once with "distinct ids"), padding and ``<unk>`` left out."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

from rnnkit.models.classifier import Classifier

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def variants(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    path = list(sys.path)
    where = ROOT / "benchmarks" / "classify_bag_variants.py"
    spec = importlib.util.spec_from_file_location("bench_bag_variants_means", where)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path[:] = path  # the benchmark puts its folder first, for classify_corpora
    monkeypatch.setattr(module, "_buckets", 4)  # ids 6..9 are the character n-grams of a 10-row table
    return module


def _bag(skip_unknown: bool = True) -> Classifier:
    model = Classifier(vocab_size=10, num_classes=2, embedding_dim=3, num_layers=0, pooling="mean",
                       skip_unknown=skip_unknown)
    with torch.no_grad():
        model.embedding.weight.copy_(torch.randn(10, 3, generator=torch.Generator().manual_seed(0)))
        model.embedding.weight[0] = 0  # padding's row
    return model


def _brute(model: Classifier, row: list[int], distinct: bool) -> torch.Tensor:
    kept = [i for i in row if i > 1]  # no padding (0) nor <unk> (1)
    if distinct:
        kept = sorted(set(kept))
    table = model.embedding.weight
    words, grams = [i for i in kept if i < 6], [i for i in kept if i >= 6]
    return sum((table[ids].mean(0) for ids in (words, grams) if ids), torch.zeros(3))


@pytest.mark.parametrize("distinct", [False, True])
def test_two_means_equal_brute_force(variants: ModuleType, monkeypatch: pytest.MonkeyPatch, distinct: bool) -> None:
    monkeypatch.setattr(variants, "_two_means", 1.0)
    monkeypatch.setattr(variants, "_distinct", distinct)
    model = _bag()
    rows = [[2, 7, 7, 3, 1, 8, 2, 9], [4, 4, 6, 0, 0, 0, 0, 0], [9, 9, 1, 0, 0, 0, 0, 0], [5, 3, 8, 8, 2, 6, 0, 0]]
    lengths = [8, 3, 3, 6]
    got = variants._bag(model, torch.tensor(rows), torch.tensor(lengths))
    for row, n, vector in zip(rows, lengths, got, strict=True):
        torch.testing.assert_close(vector, _brute(model, row[:n], distinct))


def test_one_mean_is_the_models_own(variants: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(variants, "_two_means", 0.0)
    monkeypatch.setattr(variants, "_distinct", False)
    model = _bag()
    ids, lengths = torch.tensor([[2, 7, 7, 1], [4, 6, 0, 0]]), torch.tensor([4, 2])
    torch.testing.assert_close(variants._bag(model, ids, lengths), model.bag(ids, lengths))
