"""Mutation gaps of rnnkit.tasks._tag_ensemble, on stand-in taggers that give fixed probabilities (no training)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import Tensor, nn

from rnnkit.tasks._tag_ensemble import TaggerEnsemble


class _Tagger:
    """A tagger of tags O and X that gives every token the same probabilities."""

    def __init__(self, path: str, probs: list[float]) -> None:
        self.checkpoint, self.model, self.labels = SimpleNamespace(path=Path(path)), nn.Linear(1, 1), ["O", "X"]
        self.probs = probs

    def token_probabilities(self, sentences: Sequence[Sequence[str]]) -> list[Tensor]:
        return [torch.tensor([self.probs] * len(s)) for s in sentences]


def test_sentences_read_once_reach_every_model() -> None:
    ens = TaggerEnsemble([_Tagger("a", [0.8, 0.2]), _Tagger("b", [0.2, 0.8]), _Tagger("c", [0.2, 0.8])])
    probs = ens.token_probabilities(iter([["w", "v"], ["u"]]))
    assert [p.shape for p in probs] == [(2, 2), (1, 2)]
    torch.testing.assert_close(probs[1], torch.tensor([[0.4, 0.6]]))
    assert ens.tag(iter([["w"]])) == [["X"]]
