"""Gaps a mutation audit of :mod:`rnnkit.models.counts` found (round 11): each test fails on one changed line."""

from __future__ import annotations

import math

import torch

from rnnkit.models.counts import CountMixture, Tallies

# the documented grid and prior, written out: half the belief on not counting, 1/14 on each other weight
GRID = [0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5]
PRIOR = [0.5] + [1 / 14] * 7


def _window() -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """Three positions of one stream: the model a fair coin, the counts sure of token 1 (nothing left to the
    model), and the text 0, 1, 1, 1 (the first token read before the window's predictions)."""
    log_probs = torch.full((3, 1, 2), math.log(0.5))
    counts = torch.tensor([0.0, 1.0]).expand(3, 1, 2)
    return log_probs, torch.tensor([[0], [1], [1]]), (counts, torch.zeros(3, 1, 1))


def _weight(belief: list[float]) -> float:
    return sum(b * g for b, g in zip(belief, GRID, strict=True)) / sum(belief)


def test_the_weight_starts_at_the_priors_mean_and_learns_by_bayes_rule_as_worked_by_hand() -> None:
    log_probs, ids, counted = _window()
    got = CountMixture(1)(log_probs, ids, counted, frozen=False)[:, 0, 1].double().exp()
    belief, want = list(PRIOR), []
    for _ in range(3):
        w = _weight(belief)
        want.append((1 - w) * 0.5 + w * 1.0)   # p(token 1) of the mixture at this position
        belief = [b * ((1 - g) * 0.5 + g * 1.0) for b, g in zip(belief, GRID, strict=True)]   # and 1 came
    assert math.isclose(_weight(PRIOR), 1.18 / 14)
    assert torch.allclose(got, torch.tensor(want, dtype=torch.float64), atol=1e-6)


def test_a_frozen_mixture_keeps_its_weight_and_waits_for_nothing() -> None:
    log_probs, ids, counted = _window()
    mixture = CountMixture(1)
    before = mixture.log_belief.clone()
    got = mixture(log_probs, ids, counted, frozen=True)[:, 0, 1].double().exp()
    w = _weight(PRIOR)
    assert torch.allclose(got, torch.full((3,), (1 - w) * 0.5 + w, dtype=torch.float64), atol=1e-6)
    assert torch.equal(mixture.log_belief, before) and mixture.waiting is None


def test_the_counted_distribution_is_float32_as_the_models() -> None:
    tallies = Tallies(1, 1, 3)
    tallies.start(2)
    tallies.read(torch.tensor([[1, 1]]), torch.tensor([[[7, 7, 7]]]), False, False, 0)
    p, rest = tallies.distribution(2, torch.device("cpu"))
    assert p.dtype == rest.dtype == torch.float32 and p.shape == (2, 1, 3) and rest.shape == (2, 1, 1)
    assert torch.allclose(p[:, 0, 1], torch.tensor([0.25, 1.25 / 2])) and torch.allclose(rest[:, 0, 0],
                                                                                         torch.tensor([0.75, 0.375]))
