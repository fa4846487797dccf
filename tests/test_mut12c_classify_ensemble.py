"""Mutation gaps of rnnkit.tasks._classify_ensemble: the log-odds of the mean probability, worked out by hand, and
the texts an ensemble of stand-in classifiers takes."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from torch import Tensor, nn

from rnnkit.tasks._classify_ensemble import ClassifierEnsemble, mean_log_odds


def test_mean_log_odds_is_that_of_the_mean_probability_in_float64() -> None:
    z = torch.tensor([[2.0, 40.0], [-1.0, 30.0]])  # two models, two labels (float32, as a model gives them)
    got = mean_log_odds(z)
    assert got.dtype == torch.float64
    p = (1 / (1 + math.exp(-2.0)) + 1 / (1 + math.exp(1.0))) / 2
    assert abs(float(got[0]) - math.log(p / (1 - p))) < 1e-12
    tail = (math.exp(-40.0) + math.exp(-30.0)) / 2  # 1 - p, where p rounds to 1
    assert abs(float(got[1]) + math.log(tail)) < 1e-9


class _Classifier:
    """A classifier of labels x and y that gives every text the same probabilities."""

    def __init__(self, path: str, probs: list[float]) -> None:
        self.checkpoint, self.model, self.labels = SimpleNamespace(path=Path(path)), nn.Linear(1, 1), ["x", "y"]
        self.probs = probs

    def probabilities(self, texts: list[str]) -> Tensor:
        return torch.tensor([self.probs] * len(texts))

    _read_probabilities = probabilities  # what an ensemble asks its models (their warnings said once: review40)


def test_one_text_where_a_list_goes_is_refused_as_a_models_probabilities_refuse_it() -> None:
    ens = ClassifierEnsemble([_Classifier("a", [0.2, 0.8]), _Classifier("b", [0.4, 0.6])])
    with pytest.raises(TypeError, match=r"^probabilities takes a list of texts; for one text, give \[text\]$"):
        ens.probabilities("good film")
    torch.testing.assert_close(ens.probabilities(iter(["good", "film"])), torch.tensor([[0.3, 0.7]] * 2))
