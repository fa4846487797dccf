"""Several labels a text (multi-label classification, fastText's ``-loss ova``): targets and scores.

What a user gets: :func:`multi_hot` turns each text's labels into a row of 0/1 targets, one column a label;
:func:`validation_scores` is what the classifier's trainer records at each evaluation (the loss it keeps
its checkpoint by, micro- and macro-F1 at the threshold, the exact-match ratio); :func:`multilabel_report`
is what ``rnnkit evaluate`` reports (a plain dict, JSON as it is) and :func:`format_multilabel_report` the
text it prints.

A label is predicted when its probability (its own sigmoid) is at least the threshold, as fastText's
``predict FILE k threshold``; :func:`top_labels` ranks a text's labels for it, at most k of them (``--top-k``,
for single-label models too, which rank their softmax). The scores follow scikit-learn's
``precision_recall_fscore_support`` on multi-hot arrays (a 0/0 ratio is 0): micro averages count every
(text, label) decision together, macro averages are the mean over the labels that occur in the truth or the
prediction (as
:func:`rnnkit.metrics.classification_report`'s macro-F1; scikit-learn's with ``labels=`` those labels).
``exact_match`` is the share of texts whose predicted set is their true set (scikit-learn's
``accuracy_score`` on multi-hot arrays). ``precision_at_1`` and ``recall_at_1`` are fastText's ``test FILE 1``:
the most probable label of each text, right or wrong, over the texts and over all their true labels.

A label of the scored texts that the model never saw in training is counted as fastText's ``test`` counts
it: a true label the model cannot give, so missed (:func:`with_unseen` adds a column for it, whose
probability is 0). It lowers recall, macro scores and exact match, and the report names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from rnnkit.errors import SettingError, check_count
from rnnkit.metrics import per_class_table
from rnnkit.wording import counted

__all__ = ["DEFAULT_THRESHOLD", "JOINERS", "NO_CONFUSION", "NONE_SHOWN", "Mistake", "Scored", "check_threshold",
           "check_top_k", "confident_mistakes", "format_multilabel_report", "label_joiner", "multi_hot",
           "multilabel_report", "score", "shown_labels", "top_labels", "unseen_line", "validation_scores",
           "with_unseen"]

#: a label is predicted when its probability is at least this (fastText's ``predict`` threshold for ova)
DEFAULT_THRESHOLD = 0.5
#: what ``rnnkit predict`` prints for a text none of whose labels reaches the threshold
NONE_SHOWN = "(none)"
#: what several labels are joined by in a CSV/TSV cell or a line of ``rnnkit predict`` when the model was
#: trained without ``--label-separator``: the first that none of its labels holds
JOINERS = (",", "|", ";", "/")
#: what a multi-label report says in place of a confusion matrix (``rnnkit evaluate``'s and the report page's)
NO_CONFUSION = "no confusion matrix: a multi-label model's texts have several labels each"


def check_threshold(value: object, zero: bool = False) -> float:
    """``value`` as a float when it is a number between 0 and 1 (both exclusive: 0 would give every label,
    1 none), else :class:`SettingError` (``--threshold`` on the command line). A numpy number is one
    (``np.float32(0.3)`` reads 0.3, as :func:`rnnkit.fit` takes it). ``zero``: 0 is one too (with a top k,
    where it gives the k most probable labels whatever their probability, as fastText's ``predict FILE k``)."""
    from rnnkit.train.options import plain_number

    value = plain_number(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0.0 <= value if zero else 0.0 < value) \
            or not value < 1.0:
        span = "from 0 to 1 (1 exclusive)" if zero else "between 0 and 1 (exclusive)"
        raise SettingError("threshold", value, f"expected a probability {span}, such as 0.5")
    return float(value)


def check_top_k(value: object) -> int:
    """``value`` as an int when it is an integer of 1 or more (how many labels a text gets at most,
    ``--top-k``), else :class:`SettingError`; one past the model's labels is no error (:func:`top_labels`
    gives them all, as fastText's ``predict FILE k`` does)."""
    return check_count("top_k", value, 1)


def top_labels(probs: Tensor, labels: Sequence[str], k: int | None = None, threshold: float = 0.0) -> list[str]:
    """The labels whose probability in ``probs`` (K,) is at least ``threshold``, the most probable first (equal
    ones in the order of ``labels``), at most ``k`` of them (None: all; a ``k`` past K gives all K)."""
    order = sorted(range(len(labels)), key=lambda i: -float(probs[i]))
    return [labels[i] for i in order if float(probs[i]) >= threshold][:k]


def label_joiner(labels: Sequence[str], separator: str | None = None) -> str:
    """What a model with ``labels`` joins several labels by in a CSV/TSV cell and a printed line, and splits
    a CSV/TSV label cell at: ``separator`` (the ``--label-separator`` it was trained with), else the first of
    :data:`JOINERS` that no label holds (a comma, unless a label has one), so that the cell reads back as the
    labels it was written from."""
    if separator:
        return separator
    return next((joiner for joiner in JOINERS if not any(joiner in label for label in labels)), " | ")


def shown_labels(labels: Sequence[str], joiner: str = ",") -> str:
    """Predicted labels as ``rnnkit predict`` prints them: joined by ``joiner`` (``sauce,cheese``; the model's
    :func:`label_joiner`), :data:`NONE_SHOWN` when there are none (a CSV/TSV cell leaves those empty; JSON
    keeps the list)."""
    return joiner.join(labels) if labels else NONE_SHOWN


def multi_hot(label_lists: Sequence[Sequence[str]], labels: Sequence[str]) -> list[list[int]]:
    """One row per text, one column per label of ``labels``: 1 where the text has that label."""
    index = {label: i for i, label in enumerate(labels)}
    rows = []
    for names in label_lists:
        row = [0] * len(labels)
        for name in names:
            row[index[name]] = 1
        rows.append(row)
    return rows


def with_unseen(label_lists: Sequence[Sequence[str]], labels: Sequence[str]) -> list[str]:
    """``labels`` (the model's, one output each) followed by the labels of ``label_lists`` that are not
    among them, sorted: the columns of the targets when texts to score hold labels unseen in training."""
    known = set(labels)
    return [*labels, *sorted({name for names in label_lists for name in names} - known)]


def _padded(probs: Tensor, columns: int) -> Tensor:
    """(N, K) probabilities with zero columns added up to ``columns``: labels the model never gives."""
    return torch.cat([probs, probs.new_zeros(len(probs), columns - probs.shape[1])], 1)


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts, 0 where a ratio is 0/0."""
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return precision, recall, _ratio(2 * precision * recall, precision + recall)


def _counts(targets: Tensor, predicted: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Per-label true positives, false positives and false negatives of (N, K) 0/1 tensors."""
    t, p = targets.bool(), predicted.bool()
    return (t & p).sum(0), (~t & p).sum(0), (t & ~p).sum(0)


def _averages(targets: Tensor, predicted: Tensor) -> dict[str, float]:
    tp, fp, fn = _counts(targets, predicted)
    micro = _prf(float(tp.sum()), float(fp.sum()), float(fn.sum()))
    present = [k for k in range(targets.shape[1]) if int(tp[k] + fp[k] + fn[k])]
    per = [_prf(float(tp[k]), float(fp[k]), float(fn[k])) for k in present]
    macro = tuple(sum(x[i] for x in per) / len(per) if per else 0.0 for i in range(3))
    # a count over a count, as the other ratios: float32's mean wrote 7/25 as 0.2800000011920929
    exact = _ratio(float((targets.bool() == predicted.bool()).all(1).sum()), len(targets))
    return {"micro_precision": micro[0], "micro_recall": micro[1], "micro_f1": micro[2],
            "macro_precision": macro[0], "macro_recall": macro[1], "macro_f1": macro[2], "exact_match": exact}


def validation_scores(probs: Tensor, targets: Tensor, threshold: float = DEFAULT_THRESHOLD) -> dict[str, float]:
    """``loss`` (mean binary cross-entropy over texts and the model's labels, nats), ``micro_f1``, ``macro_f1``
    and ``exact_match`` at ``threshold``, for (N, K) probabilities and multi-hot targets; targets of more
    columns hold labels unseen in training (:func:`with_unseen`), missed in the scores, left out of the loss."""
    t = targets[:, : probs.shape[1]].to(probs.dtype)
    p = probs.clamp(1e-12, 1 - 1e-7)
    loss = -(t * torch.log(p) + (1 - t) * torch.log1p(-p)).mean()
    scores = _averages(targets, _padded(probs, targets.shape[1]) >= threshold)
    return {"loss": float(loss), **{k: scores[k] for k in ("micro_f1", "macro_f1", "exact_match")}}


def _at_one(targets: Tensor, probs: Tensor) -> tuple[float, float]:
    """fastText's precision@1 and recall@1: the most probable label of each text against its true labels."""
    if not len(targets):
        return 0.0, 0.0
    hits = float(targets.bool()[torch.arange(len(targets)), probs.argmax(1)].sum())
    return _ratio(hits, len(targets)), _ratio(hits, float(targets.bool().sum()))


def multilabel_report(targets: Tensor | Sequence[Sequence[int]], probs: Tensor, labels: Sequence[str],
                      threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """Scores of (N, K) probabilities against multi-hot ``targets`` at ``threshold``: micro and macro
    precision/recall/F1, ``exact_match``, ``precision_at_1``/``recall_at_1``, ``per_class`` (label →
    ``precision``, ``recall``, ``f1``, ``support``), and ``count`` (texts), ``labels``, ``threshold``,
    ``multi_label`` (True; a multi-label report has no confusion matrix). ``labels`` beyond the K of the
    model are unseen in training (:func:`with_unseen`): missed, and listed under ``unseen_labels``."""
    targets = torch.as_tensor(targets, dtype=torch.long).reshape(len(probs), len(labels))
    unseen = list(labels[probs.shape[1]:])
    probs = _padded(probs, len(labels))
    predicted = probs >= threshold
    tp, fp, fn = _counts(targets, predicted)
    per_class = {}
    for k, label in enumerate(labels):
        precision, recall, f1 = _prf(float(tp[k]), float(fp[k]), float(fn[k]))
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": int(tp[k] + fn[k])}
    p_at_1, r_at_1 = _at_one(targets, probs)
    return {"multi_label": True, "threshold": threshold, **_averages(targets, predicted),
            "precision_at_1": p_at_1, "recall_at_1": r_at_1, "per_class": per_class, "labels": list(labels),
            "count": len(probs), "label_count": int(targets.sum()), "predicted_count": int(predicted.sum()),
            "unseen_labels": unseen}


@dataclass
class Scored:
    """Labelled texts, a model's probabilities for them and their scores at a threshold: ``columns`` are the
    model's labels, then those of the texts unseen in training; ``targets`` a multi-hot row a text over the
    columns; ``probs`` (N, K) over the model's K labels; ``report`` :func:`multilabel_report`'s."""

    texts: list[str]
    columns: list[str]
    targets: list[list[int]]
    probs: Tensor
    report: dict[str, Any]


def score(texts: Sequence[str], label_lists: Sequence[Sequence[str]], probs: Tensor, labels: Sequence[str],
          threshold: float = DEFAULT_THRESHOLD) -> Scored:
    """``probs`` (N, K) of a model whose labels are ``labels``, scored against each text's true labels."""
    columns = with_unseen(label_lists, labels)
    targets = multi_hot(label_lists, columns)
    return Scored(list(texts), columns, targets, probs, multilabel_report(targets, probs, columns, threshold))


@dataclass
class Mistake:
    """One text's mistakes at the threshold: its index, how confident its worst one was, the labels given
    wrongly (the most probable first) and the true labels missed (the least probable first, those unseen in
    training last, at 0), each with its probability."""

    index: int
    confidence: float
    given: list[tuple[str, float]]
    missed: list[tuple[str, float]]


def confident_mistakes(s: Scored, k: int = 12) -> list[Mistake]:
    """The ``k`` texts whose worst mistake at the report's threshold was made most confidently, most first
    (ties in file order): a label given wrongly counts its probability p, a true label missed 1 − p, and a
    text ranks by the larger. A true label unseen in training is listed as missed but does not count (the
    model cannot give it): a text with no other mistake is not listed."""
    cut, known = s.report["threshold"], s.probs.shape[1]
    found = []
    for i, (row, truth) in enumerate(zip(s.probs.tolist(), s.targets, strict=True)):
        given = sorted(((s.columns[j], p) for j, p in enumerate(row) if p >= cut and not truth[j]),
                       key=lambda lp: -lp[1])
        lost = sorted((j for j, t in enumerate(truth) if t and (j >= known or row[j] < cut)),
                      key=lambda j: (j >= known, row[j] if j < known else 0.0))
        missed = [(s.columns[j], row[j] if j < known else 0.0) for j in lost]
        counted = [p for _, p in given] + [1 - row[j] for j in lost if j < known]
        if counted:
            found.append(Mistake(i, max(counted), given, missed))
    found.sort(key=lambda m: -m.confidence)
    return found[:k]


def format_multilabel_report(report: dict[str, Any], unit: str) -> str:
    """The report as text: the averages, fastText's P@1/R@1 and a per-label table (no confusion matrix:
    with several labels a text there is no one cell to count a text in)."""
    count = counted(report["count"], unit.removesuffix("s"))  # unit: "texts"
    lines = [f"micro: precision {report['micro_precision']:.4f}  recall {report['micro_recall']:.4f}  "
             f"F1 {report['micro_f1']:.4f}  (threshold {report['threshold']:g}; {count}, "
             f"{counted(report['label_count'], 'label')}, {report['predicted_count']} predicted)",
             f"macro: precision {report['macro_precision']:.4f}  recall {report['macro_recall']:.4f}  "
             f"F1 {report['macro_f1']:.4f}",
             f"exact match {report['exact_match']:.4f}  P@1 {report['precision_at_1']:.4f}  "
             f"R@1 {report['recall_at_1']:.4f}"]
    lines += per_class_table(report)
    unseen = unseen_line(report)
    if unseen:
        lines.append(unseen)
    lines.append(NO_CONFUSION)
    return "\n".join(lines)


def unseen_line(report: dict[str, Any]) -> str:
    """The sentence naming the report's labels unseen in training (the first ten), or ``""`` when there are none."""
    unseen = report.get("unseen_labels") or []
    if not unseen:
        return ""
    shown = ", ".join(map(repr, unseen[:10])) + (f" and {len(unseen) - 10} more" if len(unseen) > 10 else "")
    return (f"{counted(len(unseen), 'label')} unseen in training, counted as missed "
            f"(as fastText's test counts them): {shown}")
