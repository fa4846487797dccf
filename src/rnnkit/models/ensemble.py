"""Several trained encoder-decoders decoding as one: the mean of their next-token probabilities.

What a user gets: :class:`Ensemble`, built from trained :class:`rnnkit.models.seq2seq.AttentionDecoder` models
(translators or captioners) that write the same target vocabulary. It decodes with the members' own greedy,
sampling and beam searches: at each step every member reads the tokens written so far and gives its
distribution over the next one, and the ensemble's is their mean (fairseq's ``EnsembleModel``, OpenNMT-py's
``-avg_raw_probs``; OpenNMT-py's default averages log-probabilities instead, a product of experts left
unnormalised). The members may
differ in cell, size, depth and attention; the attention weights given back are the mean of the attending
members'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.models.seq2seq import AttentionDecoder, DecState, Memory

__all__ = ["Ensemble", "EnsembleMemory", "mean_of_probabilities"]


class EnsembleMemory:
    """Each member's :class:`Memory` of the same source batch; :meth:`select` takes the same rows of each."""

    def __init__(self, members: Sequence[Memory]) -> None:
        self.members = list(members)

    def select(self, index: Tensor) -> EnsembleMemory:
        """The rows ``index`` of every member's memory."""
        return EnsembleMemory([m.select(index) for m in self.members])


class Ensemble(AttentionDecoder):
    """Trained decoders of one target vocabulary as one model: :meth:`greedy`, :meth:`samples` and
    :meth:`beam_search` as a single model's, each step's next-token probabilities the mean of the members'.

    ``members`` are in eval mode while decoding (the caller sets the mode, as for one model). :meth:`forward`
    gives the teacher-forced log-probabilities of the mean, (B, T, V+2).
    """

    def __init__(self, members: Sequence[AttentionDecoder]) -> None:
        nn.Module.__init__(self)
        members = list(members)
        if not members:
            raise ValueError("an ensemble needs at least one model")
        sizes = {m.eos_id for m in members}
        if len(sizes) > 1:
            raise ValueError(f"the models write target vocabularies of different sizes ({sorted(s - 1 for s in sizes)} "
                             "tokens); an ensemble's members must share one")
        self.members = nn.ModuleList(members)
        self.bos_id, self.eos_id = members[0].bos_id, members[0].eos_id

    @property
    def attention(self) -> nn.Module | None:  # type: ignore[override]
        """The first attending member's attention (None when no member attends): what ``replace_unk`` and the
        attention picture need to exist."""
        return next((m.attention for m in self.members if m.attention is not None), None)

    def encode(self, src: Tensor, src_len: Tensor) -> tuple[EnsembleMemory, DecState]:  # type: ignore[override]
        """Every member's encoding of the batch: an :class:`EnsembleMemory` and the tuple of their states."""
        encoded = [m.encode(src, src_len) for m in self.members]
        return EnsembleMemory([e[0] for e in encoded]), tuple(e[1] for e in encoded)  # type: ignore[return-value]

    def select_state(self, state: Any, index: Tensor) -> Any:  # type: ignore[override]
        """The rows ``index`` of every member's state."""
        return tuple(m.select_state(s, index) for m, s in zip(self.members, state, strict=True))

    def decoder_step(self, prev: Tensor, state: Any, memory: Any,  # type: ignore[override]
                     t: int) -> tuple[Tensor, Any, Tensor | None]:
        """One step of every member: the log of the mean of their next-token probabilities (B, V+2), their
        states, and the mean of the attending members' weights (None when none attends)."""
        logits, states, weights = [], [], []
        for member, own, mem in zip(self.members, state, memory.members, strict=True):
            step_logits, new, w = member.decoder_step(prev, own, mem, t)
            logits.append(step_logits)
            states.append(new)
            if w is not None:
                weights.append(w)
        return mean_of_probabilities(logits), tuple(states), (torch.stack(weights).mean(0) if weights else None)

    def forward(self, src: Tensor, src_len: Tensor, tgt_in: Tensor) -> Tensor:  # type: ignore[override]
        """Teacher-forced log-probabilities of the mean (B, T, V+2) for decoder inputs ``tgt_in`` (BOS then the
        gold target)."""
        return mean_of_probabilities([m(src, src_len, tgt_in) for m in self.members])


def mean_of_probabilities(logits: Sequence[Tensor]) -> Tensor:
    """The log of the mean of the distributions ``softmax(logits[i])`` over the last dimension, taken in float32
    through log-sum-exp (a probability of 1e-50 is not 0)."""
    log_probs = torch.stack([torch.log_softmax(x.float(), dim=-1) for x in logits])
    return torch.logsumexp(log_probs, dim=0) - math.log(len(logits))
