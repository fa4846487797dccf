"""Scoring and decoding shared by the tagger and its training: the model's tag scores for a batch read through
the lexicon (with word dropout in training), and the tags (or tag probabilities) of many sentences decoded in batches
of similar lengths.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch import Tensor

from rnnkit.data.batching import IGNORE, length_sorted_batches, pad_tags
from rnnkit.data.spelling import Lexicon
from rnnkit.data.tokenize import UNK_ID, pad_batch
from rnnkit.models.tagger import Tagger


def _scores(m: Tagger, lex: Lexicon, tix: Tensor, lengths: Tensor, drop: Tensor | None = None) -> Tensor:
    """The model's tag scores for a padded batch of type indices (``drop``: word dropout per word id). The
    lexicon's lookups run where it lives, on the CPU; the model's work on its own device."""
    tix = tix.cpu()
    ids = lex.words[tix]
    if drop is not None:
        ids = ids.masked_fill(torch.rand(ids.shape) < drop[ids], UNK_ID)
    device = m.head.weight.device
    rows, index = torch.unique(tix, return_inverse=True)  # each distinct word's spelling is encoded once
    return m(ids.to(device), lengths.to(device), lex.chars[rows].to(device), lex.lengths[rows].to(device),
             index.to(device))


def _scored_batches(m: Tagger, seqs: Sequence[Sequence[int]], lex: Lexicon,
                    batch_size: int) -> Iterator[tuple[list[int], Tensor, Tensor, Tensor]]:
    """The sentences in batches of similar lengths, the model in eval mode: each batch's sentence indices, padded
    type ids, lengths and the model's tag scores."""
    m.eval()
    for idx in length_sorted_batches(seqs, batch_size):
        tix, lengths = pad_batch([seqs[i] for i in idx])
        yield idx, tix, lengths, _scores(m, lex, tix, lengths)


@torch.no_grad()
def _decode(m: Tagger, seqs: Sequence[Sequence[int]], lex: Lexicon, targets: Sequence[Sequence[int]] | None = None,
            batch_size: int = 128) -> tuple[list[list[int]], float]:
    """The tag ids of each sentence (in input order) and, given ``targets``, the mean loss per token."""
    out: list[list[int]] = [[] for _ in seqs]
    total, count = 0.0, 0
    for idx, tix, lengths, scores in _scored_batches(m, seqs, lex, batch_size):
        for i, path in zip(idx, m.decode(scores, lengths), strict=True):
            out[i] = path
        if targets is not None:
            y = pad_tags([list(targets[i]) for i in idx], tix.shape[1]).to(scores.device)
            n = int((y != IGNORE).sum())
            total, count = total + float(m.loss(scores, y)) * n, count + n
    return out, total / max(count, 1)


@torch.no_grad()
def _probabilities(m: Tagger, seqs: Sequence[Sequence[int]], lex: Lexicon, batch_size: int = 128) -> list[Tensor]:
    """Each sentence's (tokens, K) tag probabilities (in input order, on the CPU): :meth:`Tagger.marginals`, a
    CRF's posterior marginals."""
    out: list[Tensor] = [torch.zeros(0) for _ in seqs]
    for idx, _, lengths, scores in _scored_batches(m, seqs, lex, batch_size):
        probs = m.marginals(scores, lengths).cpu()
        for row, i in enumerate(idx):
            out[i] = probs[row, : len(seqs[i])]
    return out
