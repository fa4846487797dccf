"""Accuracy, macro-F1, per-class scores, the confusion matrix and the probability scores of
rnnkit.metrics, against scikit-learn on the same small inputs."""

from __future__ import annotations

import math

import pytest
import torch

from rnnkit.metrics import classification_report, format_report, probability_scores

# four labels, "d" in neither truth nor prediction, "c" only predicted; the errors are lopsided so that
# precision and recall differ, and rows and columns of the confusion matrix differ
LABELS = ["a", "b", "c", "d"]
TRUE = [0, 0, 0, 0, 1, 1, 1, 0, 1, 0]
PRED = [0, 0, 1, 1, 1, 1, 0, 2, 1, 0]


def test_classification_report_equals_sklearn() -> None:
    skm = pytest.importorskip("sklearn.metrics")
    report = classification_report(TRUE, PRED, LABELS)
    assert report["accuracy"] == pytest.approx(skm.accuracy_score(TRUE, PRED))
    # macro-F1 over the labels that occur in truth or prediction: sklearn's default labels
    assert report["macro_f1"] == pytest.approx(skm.f1_score(TRUE, PRED, average="macro", zero_division=0))
    assert report["confusion"] == skm.confusion_matrix(TRUE, PRED, labels=range(4)).tolist()
    precision, recall, f1, support = skm.precision_recall_fscore_support(TRUE, PRED, labels=range(4),
                                                                         zero_division=0)
    for i, label in enumerate(LABELS):
        c = report["per_class"][label]
        assert (c["precision"], c["recall"], c["f1"]) == pytest.approx((precision[i], recall[i], f1[i]))
        assert c["support"] == support[i]
    assert report["count"] == len(TRUE)


def test_probability_scores_equal_sklearn() -> None:
    skm = pytest.importorskip("sklearn.metrics")
    probs = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.5, 0.4, 0.1], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4]])
    true = [0, 1, 1, 2, 0]
    scores = probability_scores(probs, true, ["x", "y", "z"])
    assert scores["loss"] == pytest.approx(skm.log_loss(true, probs.numpy(), labels=[0, 1, 2]), rel=1e-6)
    assert scores["loss"] == pytest.approx(-sum(math.log(float(probs[i, t])) for i, t in enumerate(true)) / 5)
    pred = probs.argmax(-1).tolist()
    assert scores["accuracy"] == pytest.approx(skm.accuracy_score(true, pred))
    assert scores["macro_f1"] == pytest.approx(skm.f1_score(true, pred, average="macro", zero_division=0))


def test_the_printed_report_puts_each_number_under_its_heading() -> None:
    skm = pytest.importorskip("sklearn.metrics")
    lines = format_report(classification_report(TRUE, PRED, LABELS), "texts").splitlines()
    assert lines[0] == (f"accuracy {skm.accuracy_score(TRUE, PRED):.4f}  "
                        f"macro-F1 {skm.f1_score(TRUE, PRED, average='macro', zero_division=0):.4f}  (10 texts)")
    assert lines[1].split() == ["label", "precision", "recall", "f1", "support"]
    precision, recall, f1, support = skm.precision_recall_fscore_support(TRUE, PRED, labels=range(4),
                                                                         zero_division=0)
    for i, label in enumerate(LABELS):
        assert lines[2 + i].split() == [label, f"{precision[i]:.4f}", f"{recall[i]:.4f}", f"{f1[i]:.4f}",
                                        str(support[i])]
    assert lines[7].split() == LABELS  # then one row per true label, one column per predicted
    rows = [[int(v) for v in line.split()[1:]] for line in lines[8:]]
    assert rows == skm.confusion_matrix(TRUE, PRED, labels=range(4)).tolist()


# ------------------------------------------------------------------------ the bootstrap error of an F1
def _weights(samples: list[list[int]], n: int) -> torch.Tensor:
    """The (B, N) counts of each text in each sample of indices."""
    weights = torch.zeros(len(samples), n, dtype=torch.float64)
    for b, sample in enumerate(samples):
        for i in sample:
            weights[b, i] += 1
    return weights


def test_the_f1_of_a_resample_is_sklearn_s_on_the_texts_drawn() -> None:
    """One label a text: sklearn's micro- and macro-F1 of the texts drawn (its macro over the labels that occur in
    a sample's truth or predictions, as classification_report's); several labels a text, its multi-label F1s,
    a label in neither truth nor predictions of a sample left out of the mean (zero_division=nan)."""
    import random

    import numpy as np
    skm = pytest.importorskip("sklearn.metrics")
    from rnnkit.metrics import label_counts, resampled_f1

    rng = random.Random(3)
    true = [rng.randrange(4) for _ in range(40)]
    pred = [t if rng.random() < 0.6 else rng.randrange(5) for t in true]
    samples = [[rng.randrange(40) for _ in range(40)] for _ in range(6)]
    counts = [c.double() for c in label_counts(true, pred, 5)]  # sparse
    for average in ("micro", "macro"):
        ours = resampled_f1(_weights(samples, 40), *counts, f"{average}_f1").tolist()
        theirs = [skm.f1_score([true[i] for i in s], [pred[i] for i in s], average=average) for s in samples]
        assert ours == pytest.approx(theirs)
    targets = torch.rand(30, 6, generator=torch.Generator().manual_seed(0)) < 0.3
    given = torch.rand(30, 6, generator=torch.Generator().manual_seed(1)) < 0.3
    counts = [c.double() for c in (targets & given, ~targets & given, targets & ~given)]
    samples = [[rng.randrange(30) for _ in range(30)] for _ in range(6)]
    for average in ("micro", "macro"):
        ours = resampled_f1(_weights(samples, 30), *counts, f"{average}_f1").tolist()
        theirs = [skm.f1_score(targets[s].numpy(), given[s].numpy(), average=average, zero_division=np.nan)
                  for s in samples]
        assert ours == pytest.approx(theirs)


def test_the_bootstrap_error_of_a_share_right_is_the_binomial_one_and_repeats_itself() -> None:
    """One label a text, the micro-F1 is the accuracy: 320 of 400 right has the binomial error sqrt(0.8 x 0.2 /
    400) = 0.02, which 200 samples find within their own error (about 5 %); the same seed gives the same."""
    from rnnkit.metrics import f1_standard_error, label_counts

    counts = label_counts([0] * 400, [0] * 320 + [1] * 80, 2)
    error = f1_standard_error(*counts, "micro_f1")
    assert error == pytest.approx(0.02, rel=0.15) and f1_standard_error(*counts, "micro_f1") == error
    assert f1_standard_error(*label_counts([0], [0], 2), "macro_f1") is None  # one text: no spread to measure


def test_a_macro_f1_moves_more_than_a_share_right_would_when_a_label_is_rare() -> None:
    """400 texts, 8 of them of a rare label, half of those found: macro-F1 0.745, which the binomial error of a
    share right (what autotune's clear margin took for it) gives 2.2 points; it moves by some 8, as the rare
    label's F1, on 8 texts, weighs as much as the frequent label's on 392."""
    from rnnkit.metrics import f1_standard_error, label_counts

    true, pred = [0] * 392 + [1] * 8, [0] * 390 + [1] * 2 + [1] * 4 + [0] * 4
    macro = classification_report(true, pred, ["a", "b"])["macro_f1"]
    assert macro == pytest.approx((2 * 390 / (2 * 390 + 2 + 4) + 2 * 4 / (2 * 4 + 2 + 4)) / 2)
    binomial = math.sqrt(macro * (1 - macro) / 400)
    assert f1_standard_error(*label_counts(true, pred, 2), "macro_f1") > 3 * binomial


def test_a_report_of_no_labels_is_formatted_as_an_empty_table() -> None:
    """classification_report and multilabel_report of no labels (and no texts) give a report; formatting it
    failed in Python's max() of one number ('int' object is not iterable). It is the table's header alone."""
    from rnnkit.multilabel import format_multilabel_report, multilabel_report

    assert format_report(classification_report([], [], []), "texts").splitlines() == [
        "accuracy 0.0000  macro-F1 0.0000  (0 texts)", "label     precision  recall  f1      support",
        "confusion (rows: true label, columns: predicted)"]
    lines = format_multilabel_report(multilabel_report([], torch.zeros(0, 0), []), "texts").splitlines()
    assert lines[3] == "label     precision  recall  f1      support" and len(lines) == 5
    assert format_report(classification_report([0], [0], ["a"]), "texts").splitlines()[1:] == [
        "label     precision  recall  f1      support", "a         1.0000     1.0000  1.0000  1",
        "confusion (rows: true label, columns: predicted)", "             a", "a            1"]
