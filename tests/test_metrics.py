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
