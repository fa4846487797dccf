"""Ensembles of text classifiers: ``rnnkit predict DIR TEXT... --ensemble DIR2 [DIR3 ...]``, ``rnnkit evaluate DIR
--data FILE --ensemble DIR2`` and ``rnnkit.load(A).ensemble(B, C)`` (:class:`ClassifierEnsemble`).

Each model reads the text with its own tokenizer (the models may differ in tokenizer, preset, size and cell, as
runs of several seeds or presets do), and the ensemble's probabilities are the mean of the models': of the softmax
of a single-label model, of each label's sigmoid of a multi-label one (scikit-learn's ``VotingClassifier(voting=
"soft")``). The models must give the same labels in the same order and be of one kind (single- or multi-label).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor
from torch.nn import functional as F

from rnnkit.errors import report_warnings
from rnnkit.tasks import speaks_python
from rnnkit.tasks._classify_data import _text_list
from rnnkit.tasks._classify_trained import TextClassifier
from rnnkit.tasks._ensemble import TextEnsemble, joined_members, other_labels

__all__ = ["ClassifierEnsemble", "joined_classifiers", "mean_log_odds"]


@speaks_python
class ClassifierEnsemble(TextEnsemble, TextClassifier):
    """Text classifiers of the same labels as one: :meth:`predict`, :meth:`predict_file`, :meth:`evaluate`,
    :meth:`explain` and :meth:`probabilities` as a single :class:`TextClassifier`'s, the probabilities the mean of
    the ``members``' (each reads the text with its own tokenizer); the threshold and ``top_k`` rules are a
    model's. ``checkpoints`` is every model's, ``checkpoint`` and ``config`` the first's (its text and label
    columns, its label separator, its split for ``split="val"`` and its training rows for ``baseline``), and
    ``model`` an :class:`torch.nn.ModuleList` of the models (``.to(device)`` moves them all;
    :class:`~rnnkit.tasks._ensemble.TextEnsemble`).

    Made by :meth:`TextClassifier.ensemble` (``rnnkit.load(A).ensemble(B, C)``)."""

    def probabilities(self, texts: Sequence[str]) -> Tensor:
        """(N, K) the mean of the models' probabilities, in the order of ``labels``; an empty text is refused."""
        texts = _text_list("probabilities", texts)
        if not texts:
            return torch.zeros(0, len(self.labels))
        with report_warnings():  # the models' warnings of long texts once each, not once a model where alike
            return torch.stack([m._read_probabilities(texts) for m in self.members]).mean(0)

    def _log_odds(self, texts: Sequence[str]) -> Tensor:
        """(N, K) each label's log-odds of the mean probability (float64; :func:`mean_log_odds`)."""
        return mean_log_odds(torch.stack([m._log_odds(texts) for m in self.members]))


def mean_log_odds(log_odds: Tensor) -> Tensor:
    """The log-odds ln(p / (1 - p)) of ``p``, the mean over the first dimension of the probabilities whose
    log-odds are ``log_odds`` (M, ...): ln(mean p_i) - ln(mean (1 - p_i)), each through the log-sum-exp of
    ``logsigmoid(±z_i)`` (the 1/M of both cancels), so that it stays finite and exact where ``p`` rounds to 1."""
    z = log_odds.double()
    return torch.logsumexp(F.logsigmoid(z), dim=0) - torch.logsumexp(F.logsigmoid(-z), dim=0)


def _kind(m: TextClassifier) -> str:
    return "several labels a text (multi-label)" if m.multi_label else "one label a text"


def _labels_differ(one: TextClassifier, other: TextClassifier) -> str | None:
    """What keeps ``other`` from an ensemble with ``one``: another kind (single- or multi-label), other labels, or
    the same labels in another order (the probabilities are averaged label by label)."""
    if other.multi_label != one.multi_label:
        return (f"it gives {_kind(other)} where {one.checkpoint.path} gives {_kind(one)}; the models of an ensemble "
                "need to be of one kind")
    return other_labels(one, other, "labels")


def joined_classifiers(owner: TextClassifier, others: tuple[Any, ...]) -> ClassifierEnsemble:
    """:meth:`TextClassifier.ensemble`: ``owner`` and ``others`` (model directories, read onto ``owner``'s device,
    or classifiers on it) as one :class:`ClassifierEnsemble`, an ensemble among them joined by its models. A model
    of another task, as a directory or as a loaded model, is refused naming its directory and task."""
    return ClassifierEnsemble(joined_members(owner, others, TextClassifier, "classifiers", _labels_differ))
