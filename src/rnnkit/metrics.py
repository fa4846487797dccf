"""Scores of predicted labels: accuracy, macro-F1, per-class precision/recall/F1, the confusion matrix.

What a user gets: :func:`classification_report` (a plain dict, JSON as it is: what ``rnnkit evaluate
--json`` prints), :func:`format_report` (the text table ``rnnkit evaluate`` prints) and
:func:`probability_scores` (validation loss, accuracy and macro-F1 of predicted probabilities, as the
classifier and tagger report during training). :func:`mcnemar` says whether two classifiers scored on
the same examples differ by more than chance. The confusion matrix is drawn by
:func:`rnnkit.plots.confusion_png`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

__all__ = ["classification_report", "format_report", "mcnemar", "probability_scores"]


def classification_report(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 (mean over labels that occur in truth or prediction), per-class precision,
    recall, F1 and support, and the confusion matrix (rows: true label, columns: predicted).

    ``y_true`` and ``y_pred`` are indices into ``labels``. Keys: ``accuracy``, ``macro_f1``,
    ``per_class`` (label → ``precision``, ``recall``, ``f1``, ``support``), ``confusion``, ``labels``,
    ``count``.
    """
    k = len(labels)
    confusion = [[0] * k for _ in range(k)]
    for t, p in zip(y_true, y_pred, strict=True):
        confusion[t][p] += 1
    total = len(y_true)
    correct = sum(confusion[i][i] for i in range(k))
    per_class: dict[str, dict[str, float]] = {}
    f1s = []
    for i, label in enumerate(labels):
        tp = confusion[i][i]
        predicted = sum(confusion[r][i] for r in range(k))
        support = sum(confusion[i])
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
        if support or predicted:
            f1s.append(f1)
    return {
        "accuracy": correct / total if total else 0.0,
        "macro_f1": sum(f1s) / len(f1s) if f1s else 0.0,
        "per_class": per_class,
        "confusion": confusion,
        "labels": list(labels),
        "count": total,
    }


def format_report(report: dict[str, Any], unit: str) -> str:
    """The report as text: a summary line (``count`` in ``unit``), a per-class table and the confusion
    matrix (rows: true label, columns: predicted)."""
    labels = report["labels"]
    lines = [f"accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}  ({report['count']} {unit})"]
    width = max(8, *(len(str(lab)) for lab in labels))
    lines.append(f"{'label':<{width}}  precision  recall  f1      support")
    for label in labels:
        c = report["per_class"][label]
        lines.append(f"{label:<{width}}  {c['precision']:.4f}     {c['recall']:.4f}  {c['f1']:.4f}  {c['support']}")
    lines.append("confusion (rows: true label, columns: predicted)")
    cell = max(6, *(len(str(v)) + 1 for row in report["confusion"] for v in row), *(len(lab) + 1 for lab in labels))
    lines.append(" " * width + "".join(f"{lab:>{cell}}" for lab in labels))
    for label, row in zip(labels, report["confusion"], strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{v:>{cell}}" for v in row))
    return "\n".join(lines)


def probability_scores(probs: Tensor, y_true: Sequence[int], labels: Sequence[str]) -> dict[str, float]:
    """``loss`` (mean negative log-probability of the true label, nats), ``accuracy`` and ``macro_f1`` of
    the most likely label, for (N, K) probabilities and N true label indices."""
    y = torch.tensor(list(y_true), dtype=torch.long)
    nll = -torch.log(probs[torch.arange(len(y)), y].clamp_min(1e-12)).mean()
    report = classification_report(list(y_true), probs.argmax(-1).tolist(), labels)
    return {"loss": float(nll), "accuracy": report["accuracy"], "macro_f1": report["macro_f1"]}


def mcnemar(first_right: Sequence[bool], second_right: Sequence[bool]) -> dict[str, Any]:
    """McNemar's exact test of two classifiers scored on the same examples (McNemar 1947; Dietterich 1998).

    ``first_only`` and ``second_only`` count the examples one gets right and the other wrong; the
    examples both get right or both wrong say nothing about which is better. ``p_value`` is the two-sided
    probability, were both equally accurate (each disagreement a fair coin), of a split of the
    disagreements at least as uneven as this one: 1.0 when they never disagree or split evenly.
    """
    if len(first_right) != len(second_right):
        raise ValueError(f"mcnemar: {len(first_right)} against {len(second_right)} examples; expected the same ones")
    first_only = sum(1 for a, b in zip(first_right, second_right, strict=True) if a and not b)
    second_only = sum(1 for a, b in zip(first_right, second_right, strict=True) if b and not a)
    n, k = first_only + second_only, min(first_only, second_only)
    if 2 * k == n:
        p_value = 1.0
    else:  # 2 P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so that n may be large
        log_n = math.lgamma(n + 1) - n * math.log(2)
        logs = [log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in range(k + 1)]
        top = max(logs)
        p_value = min(1.0, 2 * math.exp(top) * sum(math.exp(x - top) for x in logs))
    return {"first_only": first_only, "second_only": second_only, "p_value": p_value}
