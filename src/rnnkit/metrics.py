"""Scores of predicted labels: accuracy, macro-F1, per-class precision/recall/F1, the confusion matrix.

What a user gets: :func:`classification_report` (a plain dict, JSON as it is: what ``rnnkit evaluate
--json`` prints), :func:`format_report` (the text table ``rnnkit evaluate`` prints) and
:func:`probability_scores` (validation loss, accuracy and macro-F1 of predicted probabilities, as the
classifier and tagger report during training). :func:`mcnemar` says whether two classifiers scored on
the same examples differ by more than chance; :func:`f1_standard_error` how far a micro- or macro-F1 would
move on another sample of as many texts (a bootstrap, from each text's counts: :func:`label_counts`). The
confusion matrix is drawn by :func:`rnnkit.plots.confusion_png`.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from rnnkit.wording import counted

__all__ = ["classification_report", "f1_standard_error", "format_report", "label_counts", "mcnemar",
           "per_class_table", "probability_scores", "resampled_f1"]

#: the F1 averages :func:`f1_standard_error` knows
F1_AVERAGES = ("micro_f1", "macro_f1")


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
    labels, count = report["labels"], counted(report["count"], unit.removesuffix("s"))  # unit: "texts", "tokens"
    lines = [f"accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}  ({count})",
             *per_class_table(report)]
    lines.append("confusion (rows: true label, columns: predicted)")
    width = _label_width(labels)
    cell = max([6, *(len(str(v)) + 1 for row in report["confusion"] for v in row),
                *(_columns(str(lab)) + 1 for lab in labels)])
    if labels:  # a report of no labels (classification_report(..., labels=[])) has an empty matrix
        lines.append(" " * width + "".join(" " * (cell - _columns(str(lab))) + str(lab) for lab in labels))
    for label, row in zip(labels, report["confusion"], strict=True):
        lines.append(_padded(label, width) + "".join(f"{v:>{cell}}" for v in row))
    return "\n".join(lines)


def per_class_table(report: dict[str, Any]) -> list[str]:
    """The lines of a report's per-label table (:func:`format_report`'s, a multi-label report's): a header, then
    each label's precision, recall, F1 and support; the header alone for a report of no labels."""
    labels = report["labels"]
    width = _label_width(labels)
    lines = [f"{'label':<{width}}  precision  recall  f1      support"]
    for label in labels:
        c = report["per_class"][label]
        lines.append(f"{_padded(label, width)}  {c['precision']:.4f}     {c['recall']:.4f}  {c['f1']:.4f}  "
                     f"{c['support']}")
    return lines


def _label_width(labels: Sequence[Any]) -> int:
    """The width of the label column in a terminal's columns: the longest label's, at least 8."""
    return max([8, *(_columns(str(lab)) for lab in labels)])


def _columns(text: str) -> int:
    """The columns ``text`` takes in a terminal: two for a wide character (Hangul, CJK, fullwidth forms), none for
    a combining mark, one for any other. Padded by its length, a Korean label (사기, 정상) pushed its row of the
    per-label table and the confusion matrix out of line by one column a syllable."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _padded(label: Any, width: int) -> str:
    """``label`` with spaces after it to ``width`` terminal columns (:func:`_columns`)."""
    return str(label) + " " * (width - _columns(str(label)))


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


def label_counts(y_true: Sequence[int], y_pred: Sequence[int], k: int) -> tuple[Tensor, Tensor, Tensor]:
    """Each text's true positives, false positives and false negatives of each of ``k`` labels, three sparse
    (N, K) tensors (a text holds at most two ones: no dense N x K for many labels), for one label a text
    (indices, as :func:`classification_report` takes them); a multi-label model's are ``targets & predicted``,
    ``~targets & predicted`` and ``targets & ~predicted`` of its 0/1 rows."""
    n = len(y_true)
    rows = torch.arange(n)
    t, p = torch.tensor(list(y_true), dtype=torch.long), torch.tensor(list(y_pred), dtype=torch.long)
    right = t == p

    def ones(where: Tensor, columns: Tensor) -> Tensor:
        return torch.sparse_coo_tensor(torch.stack([rows[where], columns[where]]), torch.ones(int(where.sum())),
                                       (n, k), check_invariants=True)

    return ones(right, t), ones(~right, p), ones(~right, t)


def f1_standard_error(true_positives: Tensor, false_positives: Tensor, false_negatives: Tensor, average: str,
                      resamples: int = 200, seed: int = 0) -> float | None:
    """The bootstrap standard error of a micro- or macro-F1 (``average``: ``"micro_f1"``, ``"macro_f1"``): the
    standard deviation of the score over ``resamples`` samples of the N texts drawn with replacement (Efron &
    Tibshirani, *An Introduction to the Bootstrap*, ch. 6), by a generator seeded with ``seed``, so the same texts
    and predictions give the same error. The (N, K) tensors, dense or sparse, count each text's true positives,
    false positives and false negatives of each label (:func:`label_counts`); a label's F1 is 2TP / (2TP + FP +
    FN), and a macro-F1 the mean over the labels a sample holds in its truth or predictions, as
    :func:`classification_report` takes it. None for fewer than two texts."""
    if average not in F1_AVERAGES:
        raise ValueError(f"f1_standard_error: average {average!r}, expected one of {F1_AVERAGES}")
    n = len(true_positives)
    if n < 2:
        return None
    counts = [_sparse(c) for c in (true_positives, false_positives, false_negatives)]
    generator = torch.Generator().manual_seed(seed)
    scores = []
    for start in range(0, resamples, 50):  # 50 samples at a time: (50, N) weights, not (resamples, N)
        drawn = torch.randint(n, (min(50, resamples - start), n), generator=generator)
        ones = torch.ones(drawn.shape, dtype=torch.float64)
        weights = torch.zeros(len(drawn), n, dtype=torch.float64).scatter_add_(1, drawn, ones)
        scores.append(resampled_f1(weights, *counts, average))
    return float(torch.cat(scores).std())


def _sparse(counts: Tensor) -> Tensor:
    """(N, K) counts as a sparse float64 tensor (its ones alone kept)."""
    if counts.is_sparse:
        return counts.coalesce().to(torch.float64)
    where = counts.nonzero().t()
    return torch.sparse_coo_tensor(where, counts[where[0], where[1]].to(torch.float64), counts.shape,
                                   check_invariants=True).coalesce()


def resampled_f1(weights: Tensor, true_positives: Tensor, false_positives: Tensor, false_negatives: Tensor,
                 average: str) -> Tensor:
    """The micro- or macro-F1 (``average``) of each of B samples of the texts, one a row of the (B, N) ``weights``
    (how many times each text was drawn), from the (N, K) counts (dense or sparse) of :func:`f1_standard_error`."""
    def summed(counts: Tensor) -> Tensor:  # (B, K): each label's count in each sample
        counts = counts.to(weights.dtype)
        return torch.sparse.mm(counts.t(), weights.t()).t() if counts.is_sparse else weights @ counts

    tp, fp, fn = (summed(c) for c in (true_positives, false_positives, false_negatives))
    if average == "micro_f1":
        tp, fp, fn = tp.sum(1, keepdim=True), fp.sum(1, keepdim=True), fn.sum(1, keepdim=True)
    seen = 2 * tp + fp + fn
    f1 = torch.where(seen > 0, 2 * tp / seen.clamp_min(1e-12), torch.zeros_like(seen))
    present = (seen > 0).to(f1.dtype)
    return (f1 * present).sum(1) / present.sum(1).clamp_min(1.0)
