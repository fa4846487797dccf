"""Gaps a mutation audit of :mod:`rnnkit.dropout` found (round 6)."""

from __future__ import annotations

import pytest
import torch

from rnnkit.dropout import bernoulli

LEVEL = 1 / 65536  # one step of the 16-bit uniforms


@pytest.mark.parametrize("p, want", [(1 - 0.4 * LEVEL, 1.0), (0.4 * LEVEL, 0.0)])
def test_a_rate_within_half_a_level_of_0_or_1_rounds_to_it(p: float, want: float) -> None:
    """p is honoured to the nearest of the 65,536 levels: within half a level of 1, every draw is 1 (truncating
    the level instead kept one in 65,536 at 0: about 15 of a million)."""
    torch.manual_seed(0)
    draws = bernoulli((1_000_000,), p, torch.empty(()))
    assert torch.equal(draws, torch.full_like(draws, want))


def test_a_rate_of_one_level_and_a_bit_is_not_rounded_to_zero() -> None:
    """0.6 of a level rounds up to one level, P(1) = 1/65,536: a million draws hold some ones (about 15)."""
    torch.manual_seed(0)
    ones = int(bernoulli((1_000_000,), 0.6 * LEVEL, torch.empty(())).sum())
    assert 3 <= ones <= 40
