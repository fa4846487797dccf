"""Gaps a mutation audit of :mod:`rnnkit.metrics` found (round 11): each test fails on one changed line."""

from __future__ import annotations

import json
import re
import statistics

import pytest
import torch

from rnnkit.metrics import (
    classification_report,
    f1_standard_error,
    format_report,
    label_counts,
    mcnemar,
    resampled_f1,
)


def test_a_report_of_no_examples_scores_zero() -> None:
    """No examples: accuracy and macro-F1 0 (nothing was got right), not a division by zero or a perfect 1."""
    report = classification_report([], [], ["a", "b"])
    assert (report["accuracy"], report["macro_f1"], report["count"]) == (0.0, 0.0, 0)
    assert report["confusion"] == [[0, 0], [0, 0]]


def test_a_report_is_json_as_it_is_whatever_sequence_holds_the_labels() -> None:
    """The report is a plain dict that JSON gives back unchanged: labels given as a tuple come back a list."""
    report = classification_report([0, 1, 1], [0, 1, 0], ("a", "b"))
    assert report["labels"] == ["a", "b"]
    assert json.loads(json.dumps(report)) == report


def test_the_printed_report_worked_by_hand() -> None:
    """The whole text of a two-label report, each column at least 8 (labels) and 6 (confusion) wide."""
    text = format_report(classification_report([0, 0, 1], [0, 1, 1], ["a", "b"]), "texts")
    assert text.splitlines() == [
        "accuracy 0.6667  macro-F1 0.6667  (3 texts)",
        "label     precision  recall  f1      support",
        "a         1.0000     0.5000  0.6667  2",
        "b         0.5000     1.0000  0.6667  1",
        "confusion (rows: true label, columns: predicted)",
        " " * 13 + "a     b",
        "a" + " " * 12 + "1     1",
        "b" + " " * 12 + "0     1",
    ]


def _starts(line: str) -> list[int]:
    """Where each word of ``line`` starts."""
    return [m.start() for m in re.finditer(r"\S+", line)]


def _ends(line: str) -> list[int]:
    """Where each word of ``line`` ends."""
    return [m.end() for m in re.finditer(r"\S+", line)]


def test_long_labels_and_large_counts_keep_the_columns_under_their_headings() -> None:
    """A label longer than 8 characters widens the label column (the numbers stay under precision, recall ...) and
    the confusion columns (the labels over them stay apart); a count longer than a label widens them too."""
    labels = ["a_rather_long_label", "b"]
    report = classification_report([0, 0, 1], [0, 1, 1], labels)
    lines = format_report(report, "texts").splitlines()
    for row in lines[2:4]:
        assert _starts(row)[1:] == _starts(lines[1])[1:], (lines[1], row)
    assert lines[5].split() == labels  # the confusion's header: one label a column, not run together
    assert _ends(lines[6])[1:] == _ends(lines[5]) == _ends(lines[7])[1:]
    big = dict(classification_report([0, 0, 1], [0, 1, 1], ["a", "b"]), confusion=[[1234567, 0], [0, 1]])
    lines = format_report(big, "texts").splitlines()
    assert lines[6].split()[1:] == ["1234567", "0"] and _ends(lines[6])[1:] == _ends(lines[5])


def test_an_odd_number_of_disagreements_split_as_evenly_as_can_be_has_p_1() -> None:
    """2 P(X <= 1) for X ~ Binomial(3, 1/2) is 1 (scipy's too); summed in log space it came out a little over 1."""
    stats = pytest.importorskip("scipy.stats")
    for first_only in (1, 2, 5, 8):
        first = [True] * first_only + [False] * (first_only + 1)
        second = [not a for a in first]
        p_value = mcnemar(first, second)["p_value"]
        assert p_value == 1.0 == stats.binomtest(first_only, 2 * first_only + 1, 0.5).pvalue


def test_label_counts_are_the_true_and_false_positives_and_negatives_of_each_label() -> None:
    """Text 0 (true a, predicted a) a true positive of a; text 1 (true a, predicted b) a false positive of b and a
    false negative of a; summed over the texts they are sklearn's multi-label confusion counts."""
    skm = pytest.importorskip("sklearn.metrics")
    true, pred = [0, 0, 2, 1, 2], [0, 1, 2, 2, 0]
    tp, fp, fn = (c.to_dense() for c in label_counts(true, pred, 3))
    assert tp.tolist()[:2] == [[1, 0, 0], [0, 0, 0]]
    assert fp.tolist()[1] == [0, 1, 0] and fn.tolist()[1] == [1, 0, 0]
    confusion = skm.multilabel_confusion_matrix(true, pred, labels=[0, 1, 2])  # per label [[tn, fp], [fn, tp]]
    assert tp.sum(0).tolist() == confusion[:, 1, 1].tolist()
    assert fp.sum(0).tolist() == confusion[:, 0, 1].tolist()
    assert fn.sum(0).tolist() == confusion[:, 1, 0].tolist()


def test_an_average_the_error_does_not_know_is_refused() -> None:
    counts = label_counts([0, 1, 1], [0, 1, 0], 2)
    with pytest.raises(ValueError, match="average 'weighted_f1', expected one of"):
        f1_standard_error(*counts, "weighted_f1")


def test_the_bootstrap_error_is_the_sample_deviation_of_sklearn_s_f1_over_the_texts_drawn() -> None:
    """51 samples (a batch of 50 and one more) of 12 texts, drawn from a generator seeded with ``seed``, each of any
    text: the error is the sample standard deviation (n - 1) of sklearn's macro-F1 of each sample; another seed
    draws other samples."""
    skm = pytest.importorskip("sklearn.metrics")
    true = [0, 0, 0, 1, 1, 2, 2, 2, 2, 1, 0, 2]
    pred = [0, 1, 0, 1, 2, 2, 2, 0, 2, 1, 0, 1]
    n, seed = len(true), 7
    generator = torch.Generator().manual_seed(seed)
    drawn = torch.cat([torch.randint(n, (50, n), generator=generator), torch.randint(n, (1, n), generator=generator)])
    scores = [skm.f1_score([true[i] for i in row], [pred[i] for i in row], average="macro", zero_division=0)
              for row in drawn.tolist()]
    error = f1_standard_error(*label_counts(true, pred, 3), "macro_f1", resamples=51, seed=seed)
    assert error == pytest.approx(statistics.stdev(scores), rel=1e-9)
    assert error != f1_standard_error(*label_counts(true, pred, 3), "macro_f1", resamples=51, seed=seed + 1)


def test_dense_counts_of_more_than_one_are_counted_as_many() -> None:
    """Counts of a text may be more than one (a text of several items): dense counts give what their sparse form
    gives, and a resample's F1 is 2TP / (2TP + FP + FN) of the counts as they are."""
    tp = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    fp = torch.tensor([[0.0, 3.0], [1.0, 0.0], [0.0, 0.0]], dtype=torch.float64)
    fn = torch.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 1.0]], dtype=torch.float64)
    weights = torch.tensor([[1.0, 1.0, 1.0]], dtype=torch.float64)
    # label 0: tp 3, fp 1, fn 1 -> 6/8; label 1: tp 1, fp 3, fn 3 -> 2/8; micro: tp 4, fp 4, fn 4 -> 8/16
    assert resampled_f1(weights, tp, fp, fn, "macro_f1").tolist() == [pytest.approx(0.5)]
    assert resampled_f1(weights, tp, fp, fn, "micro_f1").tolist() == [pytest.approx(0.5)]
    dense = f1_standard_error(tp, fp, fn, "macro_f1", resamples=20)
    sparse = f1_standard_error(tp.to_sparse(), fp.to_sparse(), fn.to_sparse(), "macro_f1", resamples=20)
    assert dense == pytest.approx(sparse, rel=1e-12) and dense > 0
