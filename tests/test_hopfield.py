"""Hopfield associative memory: recall from noisy copies; energy never rises in asynchronous recall."""

from __future__ import annotations

import math
import re

import pytest
import torch

from rnnkit import Hopfield
from rnnkit.hopfield import retrieval


def _patterns(p: int, n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, (p, n), generator=g).double() * 2 - 1


def _flip(x: torch.Tensor, k: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    y = x.clone()
    idx = torch.randperm(x.numel(), generator=g)[:k]
    y[idx] *= -1
    return y


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_recall_from_noisy_copies(mode: str) -> None:
    n, p = 200, 10  # well under the ~0.138 N capacity
    pats = _patterns(p, n, seed=0)
    net = Hopfield(n).store(pats)
    for i in range(p):
        probe = _flip(pats[i], 20, seed=i)  # 10% of the bits flipped
        result = net.recall(probe, mode=mode, generator=torch.Generator().manual_seed(i))
        assert result.converged
        assert torch.equal(result.state, pats[i]), f"pattern {i} not recalled"


def test_stored_patterns_are_fixed_points_and_weights_hebbian() -> None:
    pats = _patterns(3, 50, seed=1)
    net = Hopfield(50).store(pats)
    assert torch.all(torch.diagonal(net.weight) == 0)
    torch.testing.assert_close(net.weight, net.weight.T)
    expected = pats.T @ pats / 50
    expected.fill_diagonal_(0)
    torch.testing.assert_close(net.weight, expected)
    for x in pats:
        r = net.recall(x)
        assert r.converged and r.steps == 1 and torch.equal(r.state, x)


def test_energy_is_minus_half_s_w_s() -> None:
    """E(s) = -½ sᵀWs written out, for a state that is no stored pattern; recall's first energy is its probe's."""
    pats = _patterns(3, 20, seed=4)
    net = Hopfield(20).store(pats)
    probe = _flip(pats[0], 6, seed=1)
    want = -0.5 * float(probe @ net.weight @ probe)
    assert net.energy(probe) == pytest.approx(want, rel=1e-12)
    assert net.recall(probe, generator=torch.Generator().manual_seed(0)).energies[0] == pytest.approx(want, rel=1e-12)


def test_storing_in_several_calls_adds_to_the_memory() -> None:
    """Hebbian storage is a sum over the patterns: stored one call at a time, as a (N,) vector or a batch,
    the network is the one that stored them all at once."""
    pats = _patterns(4, 30, seed=3)
    at_once = Hopfield(30).store(pats)
    in_parts = Hopfield(30).store(pats[0]).store(pats[1:3]).store(pats[3])
    assert in_parts.patterns == at_once.patterns == 4
    torch.testing.assert_close(in_parts.weight, at_once.weight, rtol=0, atol=0)


def test_energy_never_rises_in_async_recall() -> None:
    pats = _patterns(12, 60, seed=2)  # near capacity: recall wanders, energy must still fall
    net = Hopfield(60).store(pats)
    for seed in range(5):
        probe = _patterns(1, 60, seed=100 + seed)[0]
        r = net.recall(probe, mode="async", generator=torch.Generator().manual_seed(seed))
        diffs = torch.tensor(r.energies).diff()
        assert torch.all(diffs <= 1e-12)
        assert r.converged


def test_bad_input_is_refused() -> None:
    net = Hopfield(4)
    with pytest.raises(ValueError, match="bipolar"):
        net.store(torch.tensor([[1, 0, 1, -1]]))
    with pytest.raises(ValueError, match="shape"):
        net.store(torch.ones(2, 5))
    with pytest.raises(ValueError, match="mode"):
        net.recall(torch.ones(4), mode="parallel")
    with pytest.raises(ValueError, match="probe must hold only"):
        net.recall(torch.tensor([1.0, 0.0, -1.0, 1.0]))  # a 0 would be kept by the tie rule: no Hopfield state


def test_a_unit_whose_input_is_exactly_zero_keeps_its_state() -> None:
    """W = ppᵀ/N rounds some exact zeros of W s to ±1e-17, which flipped the unit; the signs now come
    from the whole-number Hebbian counts."""
    g = torch.Generator().manual_seed(14)
    pats = torch.randint(0, 2, (3, 5), generator=g).double() * 2 - 1
    probe = torch.randint(0, 2, (5,), generator=g).double() * 2 - 1
    net = Hopfield(5).store(pats)
    exact = (pats.T @ pats).fill_diagonal_(0.0) @ probe  # N · W s in whole numbers
    assert (exact == 0).any()
    expected = torch.where(exact > 0, 1.0, torch.where(exact < 0, -1.0, probe)).double()
    step = net.recall(probe, mode="sync", max_steps=1).state
    assert torch.equal(step, expected)
    torch.testing.assert_close(net.weight * 5, (pats.T @ pats).fill_diagonal_(0.0))


@pytest.mark.parametrize("steps", [-1, 2.5, True])
def test_recall_refuses_a_number_of_sweeps_that_is_not_a_count(steps: object) -> None:
    net = Hopfield(4)
    net.store(torch.tensor([[1.0, -1.0, 1.0, -1.0]]))
    with pytest.raises(ValueError, match="max_steps must be an integer >= 0"):
        net.recall(torch.tensor([1.0, 1.0, 1.0, -1.0]), max_steps=steps)  # type: ignore[arg-type]
    assert net.recall(torch.tensor([1.0, 1.0, 1.0, -1.0]), max_steps=0).steps == 0
    import numpy as np

    assert net.recall(torch.tensor([1.0, 1.0, 1.0, -1.0]), max_steps=np.int64(3)).steps <= 3


@pytest.mark.parametrize("size", [10.0, "10", True, 1])
def test_a_size_that_is_not_a_count_of_two_or_more_units_is_refused_by_name(size: object) -> None:
    """``Hopfield(10.0)`` failed inside torch (``zeros() takes 1 positional argument but 2 were given``),
    ``Hopfield("10")`` with ``'<' not supported``."""
    with pytest.raises(ValueError, match=r"size must be an integer >= 2 \(a Hopfield network needs at least 2 units\)"):
        Hopfield(size)  # type: ignore[arg-type]
    import numpy as np

    assert Hopfield(np.int64(4)).size == 4 and type(Hopfield(torch.tensor(4)).size) is int


@pytest.mark.parametrize("dtype", [torch.int64, "float32"])
def test_a_dtype_that_holds_no_fractions_is_refused_at_construction(dtype: object) -> None:
    """An integer dtype was built, then ``store`` failed (``result type Float can't be cast to ... Long``)."""
    with pytest.raises(ValueError, match="dtype must be a floating-point torch.dtype"):
        Hopfield(4, dtype=dtype)  # type: ignore[arg-type]
    assert Hopfield(4, dtype=torch.float32).store(torch.ones(4)).recall(torch.ones(4)).converged


@pytest.mark.parametrize("shape", [(5,), (2, 4)])
def test_energy_of_a_state_of_the_wrong_shape_is_refused_as_recall_refuses_it(shape: tuple[int, ...]) -> None:
    """It was torch's ``mat1 and mat2 shapes cannot be multiplied (1x5 and 4x4)``."""
    with pytest.raises(ValueError, match=rf"state must have shape \(4,\), got {re.escape(str(shape))}"):
        Hopfield(4).energy(torch.ones(shape))


def _brute_recall(counts: torch.Tensor, probe: torch.Tensor, mode: str, max_steps: int,
                  generator: torch.Generator) -> tuple[torch.Tensor, bool, int, list[float]]:
    """Recall as the textbook writes it: each unit's input from the whole state, the energy from scratch."""
    n = probe.numel()
    s = probe.clone()

    def energy(x: torch.Tensor) -> float:
        return float(-0.5 * x @ (counts / n) @ x)

    energies = [energy(s)]
    for sweep in range(1, max_steps + 1):
        changed = False
        if mode == "sync":
            h = counts @ s
            new = torch.where(h > 0, 1.0, torch.where(h < 0, -1.0, s)).double()
            changed, s = not torch.equal(new, s), new
            energies.append(energy(s))
        else:
            for i in torch.randperm(n, generator=generator).tolist():
                h = float(counts[i] @ s)
                v = 1.0 if h > 0 else -1.0 if h < 0 else float(s[i])
                changed, s[i] = changed or v != s[i], v
                energies.append(energy(s))
        if not changed:
            return s, True, sweep, energies
    return s, False, max_steps, energies


@pytest.mark.parametrize("mode", ["async", "sync"])
@pytest.mark.parametrize("load", [0.05, 0.2, 0.5])   # recall easy, past the capacity, and far past it
def test_recall_follows_the_textbook_updates_unit_by_unit(mode: str, load: float) -> None:
    """The inputs and the energy are kept up to date as units flip; every state, sweep count and energy is
    the one the from-scratch updates give."""
    n = 40
    pats = _patterns(max(1, round(load * n)), n, seed=7)
    net = Hopfield(n).store(pats)
    for seed in range(4):
        probe = _patterns(1, n, seed=50 + seed)[0]
        got = net.recall(probe, mode=mode, max_steps=12, generator=torch.Generator().manual_seed(seed))
        state, converged, steps, energies = _brute_recall(net.counts, probe, mode, 12,
                                                          torch.Generator().manual_seed(seed))
        assert torch.equal(got.state, state) and (got.converged, got.steps) == (converged, steps)
        torch.testing.assert_close(torch.tensor(got.energies), torch.tensor(energies), rtol=0, atol=1e-12)


def test_retrieval_keeps_patterns_below_the_capacity_and_loses_them_beyond_it() -> None:
    """Amit et al. (1985): a network keeps about 0.138 N random patterns; far beyond that, recall started at
    a stored pattern drifts to a state of overlap about 0.3 with it (the overlaps here are of 300 units)."""
    below = retrieval(300, 0.05, 10, generator=torch.Generator().manual_seed(0))
    beyond = retrieval(300, 0.3, 10, generator=torch.Generator().manual_seed(0))
    assert below.shape == beyond.shape == (10,)
    assert float(below.min()) >= 0.98 and float(beyond.mean()) < 0.6
    assert retrieval(50, 0.01, 5).shape == (1,)   # one pattern, so one probe
    assert retrieval(10, 0.29, 10).shape == (3,)   # round(2.9) patterns, so three probes


@pytest.mark.parametrize("load", [0, -0.1, math.nan, True, "0.1", 11])
def test_retrieval_refuses_a_load_that_is_not_a_share_of_the_units(load: object) -> None:
    with pytest.raises(ValueError, match="load must be a number"):
        retrieval(50, load)  # type: ignore[arg-type]
