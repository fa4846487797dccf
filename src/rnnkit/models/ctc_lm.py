"""A character language model as a CTC prefix search reads it (shallow fusion: Hannun et al. 2014, "First-Pass
Large Vocabulary Continuous Speech Recognition using Bi-Directional Recurrent DNNs"; torchaudio's
``ctc_decoder`` with a custom language model).

What a user gets: :class:`LanguageModelScorer`, a :class:`rnnkit.models.ctc.PrefixScorer` over a trained
:class:`rnnkit.models.language_model.LanguageModel`: the log-probability of each recogniser symbol after a
prefix, and of the end of the line after it. Each prefix the search keeps carries its own recurrent state,
one step from its parent's, so a symbol costs one recurrent step however many hypotheses share the prefix. The
transcript is read as a line: the model first reads a newline (a space where its text had none), and the end is
the newline's probability. The memory of the text read and its counts are not used: each hypothesis would need
its own copy, and a transcript is a line, too short for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from rnnkit.device import model_device
from rnnkit.models.language_model import LanguageModel

__all__ = ["LanguageModelScorer"]


class LanguageModelScorer:
    """Log-probabilities of recogniser classes after a prefix of classes, from a character language model.

    ``class_ids[c]`` is the model's token for class ``c`` (entry 0, the CTC blank, unused); ``start`` the token
    read before a transcript, ``end`` the token that ends it (None: the end scores 0).
    """

    def __init__(self, model: LanguageModel, class_ids: Sequence[int], start: int, end: int | None) -> None:
        self.model = model.eval()
        self.device = model_device(model)
        self.class_ids = torch.tensor(list(class_ids), dtype=torch.long)
        self.end_id = end
        self._cache: dict[tuple[int, ...], tuple[Any, np.ndarray]] = {}
        self._cache[()] = self._read(start, None, 0)

    @torch.no_grad()
    def _read(self, token: int, state: Any, t: int) -> tuple[Any, np.ndarray]:
        """The state after ``token`` and the log-probability of each of the model's tokens next."""
        logits, state = self.model.own_step(torch.tensor([token], device=self.device), state, t)
        return state, F.log_softmax(logits[0].float(), -1).cpu().numpy()

    def _entry(self, prefix: tuple[int, ...]) -> tuple[Any, np.ndarray]:
        entry = self._cache.get(prefix)
        if entry is None:  # one step from the parent's state (the search keeps the parent until then)
            state, _ = self._entry(prefix[:-1])
            entry = self._read(int(self.class_ids[prefix[-1]]), state, len(prefix))
            self._cache[prefix] = entry
        return entry

    def log_probs(self, prefix: tuple[int, ...]) -> np.ndarray:
        """The log-probability of each class after ``prefix`` (entry 0 unused)."""
        return self._entry(prefix)[1][self.class_ids.numpy()]

    def end(self, prefix: tuple[int, ...]) -> float:
        """The log-probability of the end of the line after ``prefix`` (0 where the model knows no newline)."""
        return 0.0 if self.end_id is None else float(self._entry(prefix)[1][self.end_id])

    def retain(self, prefixes: Iterable[tuple[int, ...]]) -> None:
        """Keep the states of ``prefixes`` only (each read now, while its parent is known) and the start's."""
        kept = {p: self._entry(p) for p in prefixes}
        kept[()] = self._cache[()]
        self._cache = kept
