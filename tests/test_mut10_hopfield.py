"""Gaps a mutation audit of :mod:`rnnkit.hopfield` found (round 10): each test fails on one changed line."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Hopfield
from rnnkit.hopfield import retrieval


def test_a_two_cycle_of_synchronous_recall_is_reported_as_not_converged() -> None:
    """Worked by hand: one stored pattern (1, -1) gives W = [[0, -½], [-½, 0]]; from (1, 1) every unit's input
    is -½, so all flip to (-1, -1), whose inputs are +½: back to (1, 1), a 2-cycle that never settles."""
    net = Hopfield(2).store(torch.tensor([1.0, -1.0]))
    got = net.recall(torch.tensor([1.0, 1.0]), mode="sync", max_steps=5)
    assert not got.converged and got.steps == 5
    assert torch.equal(got.state, torch.tensor([-1.0, -1.0]))  # five flips from (1, 1)
    assert got.energies == [0.5] * 6  # E = -½ sᵀWs = ½ for both states
    zero = net.recall(torch.tensor([1.0, 1.0]), mode="sync", max_steps=0)
    assert not zero.converged and zero.steps == 0 and torch.equal(zero.state, torch.tensor([1.0, 1.0]))


def test_patterns_of_more_than_two_dimensions_are_refused_by_shape() -> None:
    net = Hopfield(4)
    with pytest.raises(ValueError, match=r"patterns must have shape \(P, 4\), got \(2, 4, 3\)"):
        net.store(torch.ones(2, 4, 3))


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_recall_returns_the_state_in_the_networks_dtype(mode: str) -> None:
    net = Hopfield(4, dtype=torch.float32).store(torch.tensor([1.0, -1.0, 1.0, -1.0]))
    got = net.recall(torch.tensor([1.0, 1.0, 1.0, -1.0]), mode=mode, generator=torch.Generator().manual_seed(0))
    assert got.converged and got.state.dtype == torch.float32
    assert torch.equal(got.state, torch.tensor([1.0, -1.0, 1.0, -1.0]))
    stuck = Hopfield(2, dtype=torch.float32).store(torch.tensor([1.0, -1.0]))
    assert stuck.recall(torch.tensor([1.0, 1.0]), mode="sync", max_steps=3).state.dtype == torch.float32


def test_retrieval_takes_loads_up_to_ten_patterns_a_unit() -> None:
    got = retrieval(4, 2.0, probes=2, generator=torch.Generator().manual_seed(0))  # 8 patterns of 4 units
    assert got.shape == (2,)


def test_retrieval_passes_its_sweep_limit_to_recall() -> None:
    """No sweeps: recall returns the stored pattern it started at, so every overlap is exactly 1, even far past the
    capacity (where 100 sweeps drift far from it)."""
    got = retrieval(40, 1.0, probes=8, max_steps=0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(got, torch.ones(8, dtype=got.dtype))
    drifted = retrieval(40, 1.0, probes=8, generator=torch.Generator().manual_seed(0))
    assert float(drifted.min()) < 1.0


def test_retrieval_draws_recalls_order_from_its_generator_too() -> None:
    """The same generator seed gives the same overlaps whatever the global seed (past the capacity, where the order
    in which units update changes where recall ends)."""
    runs = []
    for global_seed in range(2):
        torch.manual_seed(global_seed)
        runs.append(retrieval(40, 0.5, probes=10, generator=torch.Generator().manual_seed(3)))
    assert torch.equal(runs[0], runs[1])
