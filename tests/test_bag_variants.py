"""Prototypes of benchmarks/classify_bag_variants.py (docs/CLASSIFY.md, "Tried on the bag and not adopted"), each
judged against something it was not written from: lazy Adam against torch's Adam (the same steps when every row of
a table has a gradient, and no move of a row whose gradient is zero, where Adam moves it on its moments); the "two
means" and "distinct ids" bags by brute force on a tiny table (the mean of a row's word ids plus the mean of its
character n-gram ids, each id once with "distinct ids", padding and ``<unk>`` left out)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

from rnnkit.models.classifier import Classifier

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def variants() -> ModuleType:
    path = list(sys.path)
    where = ROOT / "benchmarks" / "classify_bag_variants.py"
    spec = importlib.util.spec_from_file_location("bench_bag_variants", where)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path[:] = path  # the benchmark puts its folder first, for classify_corpora
    return module


def test_lazy_adam_equals_adam_when_every_row_has_a_gradient(variants: ModuleType) -> None:
    torch.manual_seed(0)
    table, bias = torch.randn(6, 3), torch.randn(3)
    ours = [table.clone().requires_grad_(), bias.clone().requires_grad_()]
    theirs = [table.clone().requires_grad_(), bias.clone().requires_grad_()]
    lazy, adam = variants.LazyAdam(ours, lr=0.05), torch.optim.Adam(theirs, lr=0.05)
    for _ in range(4):
        grads = [torch.randn(6, 3), torch.randn(3)]
        for p, q, g in zip(ours, theirs, grads, strict=True):
            p.grad, q.grad = g.clone(), g.clone()
        lazy.step()
        adam.step()
    for p, q in zip(ours, theirs, strict=True):
        torch.testing.assert_close(p, q)


def test_lazy_adam_leaves_rows_without_a_gradient_where_adam_moves_them(variants: ModuleType) -> None:
    ours, theirs = torch.zeros(4, 2, requires_grad=True), torch.zeros(4, 2, requires_grad=True)
    lazy, adam = variants.LazyAdam([ours], lr=0.1), torch.optim.Adam([theirs], lr=0.1)
    for grad in (torch.ones(4, 2), torch.tensor([[0.0, 0.0], [1.0, -1.0], [0.0, 0.0], [0.0, 0.0]])):
        ours.grad, theirs.grad = grad.clone(), grad.clone()
        lazy.step()
        adam.step()
    first = torch.full((4, 2), -0.1)  # the first update's step, lr times the sign, on every row
    torch.testing.assert_close(ours[[0, 2, 3]], first[[0, 2, 3]])
    assert (theirs[[0, 2, 3]] < first[[0, 2, 3]]).all()  # Adam moved them again on the first moment
    torch.testing.assert_close(ours[1], theirs[1])


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
    monkeypatch.setattr(variants, "_buckets", 4)  # ids 6..9 are the character n-grams of a 10-row table
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


@pytest.mark.parametrize(("two_means", "distinct"), [(0.0, False), (1.0, True)])
def test_idf_mean_equals_brute_force(variants: ModuleType, monkeypatch: pytest.MonkeyPatch, two_means: float,
                                     distinct: bool) -> None:
    idf = torch.tensor([9.0, 9.0, 1.0, 2.0, 3.0, 1.5, 2.5, 4.0])  # ids 8 and 9: past the training texts' largest
    monkeypatch.setattr(variants, "_idf", idf)
    monkeypatch.setattr(variants, "_two_means", two_means)
    monkeypatch.setattr(variants, "_distinct", distinct)
    monkeypatch.setattr(variants, "_buckets", 4)  # ids 6..9 are the character n-grams of a 10-row table
    model = _bag()
    rows = [[2, 7, 7, 3, 1, 8, 2, 9], [4, 4, 6, 0, 0, 0, 0, 0], [9, 9, 1, 5, 7, 0, 0, 0]]
    lengths = [8, 3, 4]
    got = variants._bag(model, torch.tensor(rows), torch.tensor(lengths))
    table, weight = model.embedding.weight, [float(idf[i]) if i < 8 else 9.0 for i in range(10)]  # unseen: the largest

    def mean(ids: list[int]) -> torch.Tensor:
        return sum(weight[i] * table[i] for i in ids) / sum(weight[i] for i in ids)

    for row, n, vector in zip(rows, lengths, got, strict=True):
        kept = [i for i in row[:n] if i > 1]
        kept = sorted(set(kept)) if distinct else kept
        parts = [[i for i in kept if i < 6], [i for i in kept if i >= 6]] if two_means else [kept]
        torch.testing.assert_close(vector, sum((mean(p) for p in parts if p), torch.zeros(3)))


@pytest.mark.parametrize("with_idf", [False, True])
def test_learned_weights_mean_equals_brute_force(variants: ModuleType, monkeypatch: pytest.MonkeyPatch,
                                                 with_idf: bool) -> None:
    idf = torch.tensor([9.0, 9.0, 1.0, 2.0, 3.0, 1.5, 2.5, 4.0, 1.0, 2.0])
    monkeypatch.setattr(variants, "_idf", idf if with_idf else None)
    monkeypatch.setattr(variants, "_learned", True)
    monkeypatch.setattr(Classifier, "__init__", variants._init_deep_head)
    model = _bag()
    rows = [[2, 7, 7, 3, 1, 8, 2, 9], [4, 4, 6, 0, 0, 0, 0, 0]]
    lengths = torch.tensor([8, 3])
    start = variants._bag(model, torch.tensor(rows), lengths)  # log weights 0: the idf (or plain) mean
    monkeypatch.setattr(variants, "_learned", False)
    plain = variants._bag(_bag(), torch.tensor(rows), lengths)
    torch.testing.assert_close(start, plain)
    log_w = torch.linspace(-1.0, 1.5, 10)
    with torch.no_grad():
        model.id_weight.weight[:, 0] = log_w
    got = variants._bag(model, torch.tensor(rows), lengths)
    table = model.embedding.weight
    weight = [float(log_w[i].exp()) * (float(idf[i]) if with_idf else 1.0) for i in range(10)]
    for row, n, vector in zip(rows, lengths.tolist(), got, strict=True):
        kept = [i for i in row[:n] if i > 1]
        want = sum(weight[i] * table[i] for i in kept) / sum(weight[i] for i in kept)
        torch.testing.assert_close(vector, want)
    got.sum().backward()
    assert model.id_weight.weight.grad is not None and model.id_weight.weight.grad[[2, 3, 7]].abs().min() > 0


def test_learned_scale_multiplies_the_log_weights(variants: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """"x10": the parameter u gives each id the weight exp(10 u), and Adam's first step moves the log weight 10 times
    the learning rate (its step is the rate whatever the gradient's size)."""
    monkeypatch.setattr(variants, "_idf", None)
    monkeypatch.setattr(variants, "_learned", True)
    monkeypatch.setattr(Classifier, "__init__", variants._init_deep_head)
    rows, lengths = torch.tensor([[2, 7, 7, 3, 1, 8, 2, 9]]), torch.tensor([8])
    u = torch.linspace(-0.1, 0.15, 10)
    models = []
    for scale in (1.0, 10.0):
        monkeypatch.setattr(variants, "_learned_scale", scale)
        model = _bag()
        with torch.no_grad():
            model.id_weight.weight[:, 0] = u * 10.0 / scale  # the same log weights, 10 u, both ways
        models.append((model, variants._bag(model, rows, lengths)))
    torch.testing.assert_close(models[0][1], models[1][1])
    model, got = _bag(), None
    with torch.no_grad():
        model.id_weight.weight.zero_()
    got = variants._bag(model, rows, lengths)
    got.sum().backward()
    torch.optim.Adam([model.id_weight.weight], lr=0.01).step()
    moved = model.id_weight.weight[[2, 3, 7, 8, 9], 0] * 10.0  # the log weights of the row's ids
    torch.testing.assert_close(moved.abs(), torch.full((5,), 0.1))


@pytest.mark.parametrize("with_idf", [False, True])
def test_sqrtn_equals_brute_force(variants: ModuleType, monkeypatch: pytest.MonkeyPatch, with_idf: bool) -> None:
    """TensorFlow's "sqrtn" combiner: the weighted sum of the ids' rows over the root of the sum of the squared
    weights, each occurrence an entry (a repeated id twice)."""
    idf = torch.tensor([9.0, 9.0, 1.0, 2.0, 3.0, 1.5, 2.5, 4.0, 1.0, 2.0])
    monkeypatch.setattr(variants, "_idf", idf if with_idf else None)
    monkeypatch.setattr(variants, "_sqrtn", True)
    model = _bag()
    rows, lengths = [[2, 7, 7, 3, 1, 8, 2, 9], [4, 4, 6, 0, 0, 0, 0, 0]], [8, 3]
    got = variants._bag(model, torch.tensor(rows), torch.tensor(lengths))
    table = model.embedding.weight
    for row, n, vector in zip(rows, lengths, got, strict=True):
        kept = [i for i in row[:n] if i > 1]
        weight = [float(idf[i]) if with_idf else 1.0 for i in kept]
        want = sum(w * table[i] for w, i in zip(weight, kept, strict=True)) / sum(w * w for w in weight) ** 0.5
        torch.testing.assert_close(vector, want)


def test_predictions_agree_with_evaluate_and_its_baseline(variants: ModuleType, tmp_path: Path) -> None:
    """--predictions' per-text labels give the accuracies evaluate and evaluate --baseline give on the same file."""
    pytest.importorskip("sklearn")
    import rnnkit
    from rnnkit.data.tabular import write_table

    words = {"1": ["good", "great", "fine", "lovely"], "0": ["bad", "awful", "poor", "dull"]}
    rows = [{"text": f"{words[y][i % 4]} {words[y][(i + 1) % 4]} film {i}", "label": y}
            for i in range(40) for y in ("0", "1")]
    write_table(tmp_path / "train.csv", ["text", "label"], rows[:60])
    write_table(tmp_path / "test.csv", ["text", "label"], rows[60:] + [{"text": "good awful", "label": "1"}])
    rnnkit.fit("classify", data=str(tmp_path / "train.csv"), out=tmp_path / "run", steps=8, tokenizer="word",
               layers=0, pooling="mean", embedding=8, progress=False, verbose=False)
    got = variants.predictions(tmp_path / "run", tmp_path / "test.csv", baseline=True)
    report = rnnkit.load(tmp_path / "run").evaluate(str(tmp_path / "test.csv"), baseline=True)
    assert [p["label"] for p in got] == [r["label"] for r in rows[60:]] + ["1"]
    assert sum(p["predicted"] == p["label"] for p in got) / len(got) == pytest.approx(report["accuracy"])
    assert sum(p["lr_predicted"] == p["label"] for p in got) / len(got) == pytest.approx(report["baseline"]["accuracy"])
    assert all(p["p"][p["predicted"]] >= 0.5 and p["lr_p"][p["lr_predicted"]] >= 0.5 for p in got)


def test_by_label_counts_each_true_label_apart(variants: ModuleType) -> None:
    def text(label: str, predicted: str, lr: str) -> dict[str, str]:
        return {"label": label, "predicted": predicted, "lr_predicted": lr}

    rows = [{"corpus": "c", "variant": "v", "predictions": [text("a", "a", "b"), text("a", "b", "b"),
                                                            text("b", "b", "b")]},
            {"corpus": "c", "variant": "v", "predictions": [text("a", "a", "a")]}]  # a second split, pooled
    table = variants.by_label(rows).splitlines()
    assert table[2:] == ["| c | v | a | 3 | 0.667 | 0.333 |", "| c | v | b | 1 | 1.000 | 1.000 |"]


def test_lr_over_the_bags_ids_separates_what_its_words_separate(variants: ModuleType, tmp_path: Path) -> None:
    """--ids-lr: a logistic regression over a trained bag's own ids (its tokenizer's, read back from the run) gets
    texts right whose labels their words decide, on the run's validation rows for C; its words gone (every text
    the same words), it is at chance."""
    pytest.importorskip("sklearn")
    import rnnkit
    from rnnkit.data.tabular import write_table

    def rows(decided: bool) -> list[dict[str, str]]:
        word = {"1": "great", "0": "awful"}
        return [{"text": f"{word[y] if decided else 'film'} film number {i}", "label": y}
                for i in range(30) for y in ("0", "1")]

    for decided in (True, False):
        data = rows(decided)
        write_table(tmp_path / "train.csv", ["text", "label"], data[:48])
        write_table(tmp_path / "test.csv", ["text", "label"], data[48:])
        rnnkit.fit("classify", data=str(tmp_path / "train.csv"), out=tmp_path / "run", steps=2, tokenizer="word",
                   layers=0, pooling="mean", embedding=4, overwrite=True, progress=False, verbose=False)
        accuracy = variants.ids_lr(tmp_path / "run", tmp_path / "test.csv")
        assert accuracy == (1.0 if decided else 0.5)
