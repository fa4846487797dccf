"""Ensembles of sequence taggers: ``rnnkit predict DIR TEXT... --ensemble DIR2 [DIR3 ...]``, ``rnnkit evaluate DIR
--data FILE --ensemble DIR2`` and ``rnnkit.load(A).ensemble(B, C)`` (:class:`TaggerEnsemble`).

Each model reads the words with its own vocabulary and spelling encoder (runs of several seeds, sizes, cells, with
and without a CRF), and each token gets the tag of highest mean probability over the models: each model's softmax,
a CRF tagger's posterior marginals (the probability of the tag at that token summed over every tag sequence). The
tags are chosen token by token, so a CRF's transitions shape each model's probabilities but no Viterbi path is
taken over the mean (an I- tag may follow O; span scores read it as conlleval does, as a span's start).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from rnnkit.tasks import speaks_python
from rnnkit.tasks._ensemble import TextEnsemble, joined_members, other_labels
from rnnkit.tasks._tag_trained import SequenceTagger, _token_lists

__all__ = ["TaggerEnsemble", "joined_taggers"]


@speaks_python
class TaggerEnsemble(TextEnsemble, SequenceTagger):
    """Sequence taggers of the same tags as one: :meth:`predict`, :meth:`tag`, :meth:`evaluate` and
    :meth:`token_probabilities` as a single :class:`SequenceTagger`'s, each token's probabilities the mean of the
    ``members``' and its tag the most probable. ``checkpoints`` is every model's, ``checkpoint``, ``config`` and
    ``tokenizer`` the first's (how a text is split, its split for ``split="val"``, the words ``evaluate`` counts
    as seen in training), and ``model`` an :class:`torch.nn.ModuleList` of the models
    (:class:`~rnnkit.tasks._ensemble.TextEnsemble`).

    Made by :meth:`SequenceTagger.ensemble` (``rnnkit.load(A).ensemble(B, C)``)."""

    def token_probabilities(self, sentences: Sequence[Sequence[str]]) -> list[Tensor]:
        """Each sentence's (tokens, tags) mean of the models' tag probabilities
        (:meth:`SequenceTagger.token_probabilities`)."""
        sentences = _token_lists(sentences, "token_probabilities")
        each = [m.token_probabilities(sentences) for m in self.members]
        return [torch.stack(probs).mean(0) for probs in zip(*each, strict=True)]

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """One tag per token of each sentence: the tag of highest mean probability (a tie: the earlier tag)."""
        return [[self.labels[int(i)] for i in probs.argmax(-1)] for probs in self.token_probabilities(sentences)]


def _differs(one: SequenceTagger, other: SequenceTagger) -> str | None:
    """What keeps ``other`` from an ensemble with ``one``: other tags or their order, or another way of splitting
    a text (characters against words: a text would be other tokens to each)."""
    split, other_split = ("characters" if m.config.get("split") == "chars" else "words" for m in (one, other))
    if split != other_split:
        return (f"it tags each of a text's {other_split}, {one.checkpoint.path} each of its {split}; the models of an "
                "ensemble need to split a text alike")
    return other_labels(one, other, "tags")


def joined_taggers(owner: SequenceTagger, others: tuple[Any, ...]) -> TaggerEnsemble:
    """:meth:`SequenceTagger.ensemble`: ``owner`` and ``others`` (model directories, read onto ``owner``'s device,
    or taggers on it) as one :class:`TaggerEnsemble`, an ensemble among them joined by its models."""
    return TaggerEnsemble(joined_members(owner, others, SequenceTagger, "taggers", _differs))
