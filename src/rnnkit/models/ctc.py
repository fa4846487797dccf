"""Decoding CTC outputs: greedy (best path) and prefix beam search, with the frame of every symbol.

What a user gets: :func:`greedy_decode` takes the most likely class of each frame, merges repeats and
drops blanks; :func:`prefix_beam_search` keeps the ``beam`` most likely hypotheses, each a prefix of
symbols and whether its alignments end in a blank, with the probability summed over all the alignments
that reach it (Graves 2012, Hannun et al. 2014). Only the ``beam`` most likely classes of a frame extend a
hypothesis, so beam 1 is exactly greedy decoding. Both return :class:`Decoded` objects: symbol ids
(without the blank's offset: class ``i + 1`` is symbol ``i``), the frame where each symbol starts, and the
log-probability of the result. The prefix search may also weigh each hypothesis by a language model
(shallow fusion, Hannun et al. 2014): ``lm`` (a :class:`PrefixScorer`, such as
:class:`rnnkit.models.ctc_lm.LanguageModelScorer`) gives each symbol's log-probability after a prefix, added
``lm_weight`` times with a ``bonus`` for each symbol written, and the end's after the whole labelling.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from torch import Tensor

__all__ = ["BLANK", "Decoded", "PrefixScorer", "greedy_decode", "prefix_beam_search"]

BLANK = 0


@dataclass(frozen=True)
class Decoded:
    """Symbol ids, the frame where each starts, and the log-probability (of the best path for greedy
    decoding; for beam search, summed over the alignments of the prefix that the beam kept: a lower bound
    of the labelling's probability, which pruning can leave below the greedy path's)."""

    symbols: list[int]
    frames: list[int]
    log_prob: float


class PrefixScorer(Protocol):
    """A language model as the prefix search reads it; prefixes are tuples of class ids (symbol ``i`` is class
    ``i + 1``; class 0, the blank, never occurs)."""

    def log_probs(self, prefix: tuple[int, ...]) -> np.ndarray:
        """The log-probability of each class (entry 0 unused) coming next after ``prefix``."""

    def end(self, prefix: tuple[int, ...]) -> float:
        """The log-probability that the labelling ends after ``prefix``."""

    def retain(self, prefixes: Iterable[tuple[int, ...]]) -> None:
        """The search keeps only these prefixes (and extends them next): what it may forget of the others."""


def greedy_decode(log_probs: Tensor, length: int | None = None) -> Decoded:
    """Best-path decoding of (T, classes) log-probabilities (the first ``length`` frames)."""
    lp = log_probs[:length] if length is not None else log_probs
    best = lp.argmax(-1).tolist()
    score = float(lp.max(-1).values.sum())
    symbols, frames, prev = [], [], BLANK
    for t, c in enumerate(best):
        if c != BLANK and c != prev:
            symbols.append(c - 1)
            frames.append(t)
        prev = c
    return Decoded(symbols, frames, score)


def _logsumexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


# hypotheses: (prefix, ends_in_blank) -> (log-probability, frames where the prefix's symbols start)
_Hyps = dict[tuple[tuple[int, ...], bool], tuple[float, tuple[int, ...]]]


def _add(hyps: _Hyps, key: tuple[tuple[int, ...], bool], score: float, frames: tuple[int, ...]) -> None:
    """Sum a new alignment's probability into ``hyps[key]``, keeping the frames of the likelier one."""
    old = hyps.get(key)
    if old is None:
        hyps[key] = (score, frames)
    else:
        hyps[key] = (_logsumexp(old[0], score), frames if score > old[0] else old[1])


def prefix_beam_search(log_probs: Tensor, beam: int = 8, length: int | None = None, lm: PrefixScorer | None = None,
                       lm_weight: float = 0.5, bonus: float = 0.0) -> Decoded:
    """The most likely labelling of (T, classes) log-probabilities under a prefix beam search of ``beam``; with
    ``lm``, the labelling of the highest acoustic log-probability plus ``lm_weight`` times the language model's
    (each symbol given the ones before it, then the end) plus ``bonus`` per symbol, and that sum is the result's
    ``log_prob``."""
    if beam < 1:
        raise ValueError(f"beam {beam}: expected a positive integer")
    lp = (log_probs[:length] if length is not None else log_probs).detach().float().cpu().numpy()
    hyps: _Hyps = {((), True): (0.0, ())}
    for t in range(lp.shape[0]):
        frame = lp[t]
        top = np.argsort(-frame, kind="stable")[:beam] if beam < frame.shape[0] else range(frame.shape[0])
        new: _Hyps = {}
        for (prefix, in_blank), (score, frames) in hyps.items():
            last = prefix[-1] if prefix else None
            for c in top:
                c = int(c)
                s = score + float(frame[c])
                if c == BLANK:
                    _add(new, (prefix, True), s, frames)
                elif c == last and not in_blank:
                    _add(new, (prefix, False), s, frames)         # a repeat merges into the same symbol
                else:
                    if lm is not None:  # the same for every alignment of the new prefix: summed in once here
                        s += lm_weight * float(lm.log_probs(prefix)[c]) + bonus
                    _add(new, ((*prefix, c), False), s, (*frames, t))
        hyps = dict(sorted(new.items(), key=lambda kv: -kv[1][0])[:beam])
        if lm is not None:
            lm.retain({prefix for prefix, _ in hyps})
    merged: dict[tuple[int, ...], tuple[float, tuple[int, ...], float]] = {}
    for (prefix, _), (score, frames) in hyps.items():
        old = merged.get(prefix)
        if old is None:
            merged[prefix] = (score, frames, score)
        else:
            merged[prefix] = (_logsumexp(old[0], score), frames if score > old[2] else old[1], max(old[2], score))
    if lm is not None:
        merged = {p: (score + lm_weight * lm.end(p), frames, best) for p, (score, frames, best) in merged.items()}
    prefix, (score, frames, _) = max(merged.items(), key=lambda kv: kv[1][0])
    return Decoded([c - 1 for c in prefix], list(frames), score)
