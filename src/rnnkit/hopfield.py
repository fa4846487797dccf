"""Hopfield network (Hopfield 1982): an associative memory of bipolar patterns.

Patterns are vectors of +1/-1. Hebbian storage sets W = (1/N) Σ_p x_p x_pᵀ with a zero diagonal (no unit
feeds itself). Recall starts from a probe, e.g. a stored pattern with a few bits flipped, and updates
units until nothing changes (a fixed point) or a step limit is reached:

- asynchronous: one unit at a time, s_i ← sign(Σ_j W_ij s_j); the energy
  E(s) = -½ sᵀ W s never rises, so recall always ends at a fixed point;
- synchronous: all units at once, s ← sign(W s); may end in a 2-cycle, which is reported.

A network of N units stores about 0.138·N random patterns before recall breaks down (Amit et al. 1985):
:func:`retrieval` measures it (``benchmarks/hopfield_capacity.py``, figures in docs/RESULTS.md).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import torch
from torch import Tensor

__all__ = ["Hopfield", "Recall", "retrieval"]


@dataclass
class Recall:
    """What a recall returns: the final state, whether it is a fixed point, the sweeps it took, and the
    energy after each sweep (asynchronous: after every unit update)."""

    state: Tensor
    converged: bool
    steps: int
    energies: list[float] = field(default_factory=list)


def _count(name: str, value: object, minimum: int, why: str = "") -> int:
    """``value`` as an int (numpy's and torch's integers too), else a ValueError naming ``name`` and the least it
    takes (a float or a str failed deep inside torch: ``zeros() takes 1 positional argument but 2 were given``)."""
    try:
        count: int | None = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        count = None
    if isinstance(value, bool) or count is None or count < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}{why}, got {value!r}")
    return count


def _check_generator(generator: object) -> torch.Generator | None:
    """``generator`` when it is a ``torch.Generator`` or None, else a TypeError naming it: in synchronous recall,
    which draws nothing, a seed given in its place (``generator=0``) was taken without a word, and asynchronous
    recall failed inside ``torch.randperm``."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator takes a torch.Generator or None, not {type(generator).__name__}")
    return generator


def _check_bipolar(x: Tensor, what: str) -> Tensor:
    if not bool(((x == 1) | (x == -1)).all()):
        raise ValueError(f"{what} must hold only +1 and -1 (bipolar); got values {torch.unique(x).tolist()[:6]}")
    return x


class Hopfield:
    """A Hopfield associative memory of ``size`` bipolar units.

    ``store(patterns)`` adds patterns (rows of +1/-1) by the Hebbian rule; ``recall(probe)`` returns a
    :class:`Recall` with the pattern the network settles on; ``energy(state)`` is -½ sᵀWs.
    """

    def __init__(self, size: int, dtype: torch.dtype = torch.float64) -> None:
        self.size = _count("size", size, 2, " (a Hopfield network needs at least 2 units)")
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:  # W = counts / N is a fraction
            raise ValueError(f"dtype must be a floating-point torch.dtype (default torch.float64), got {dtype!r}")
        # Σ_p x_p x_pᵀ, whole numbers held exactly: the signs recall takes come from them, so a unit whose
        # input is exactly zero keeps its state (W = counts / N would round some of those zeros off zero)
        self.counts = torch.zeros(self.size, self.size, dtype=dtype)
        self.patterns = 0

    @property
    def weight(self) -> Tensor:
        """W = (1/N) Σ_p x_p x_pᵀ, zero diagonal."""
        return self.counts / self.size

    def store(self, patterns: Tensor) -> Hopfield:
        """Add patterns (P, N) or (N,) of +1/-1 by the Hebbian rule; the diagonal stays zero."""
        p = torch.as_tensor(patterns, dtype=self.weight.dtype)
        if p.dim() == 1:
            p = p.unsqueeze(0)
        if p.dim() != 2 or p.shape[1] != self.size:
            raise ValueError(f"patterns must have shape (P, {self.size}), got {tuple(p.shape)}")
        _check_bipolar(p, "patterns")
        self.counts += p.T @ p
        self.counts.fill_diagonal_(0.0)
        self.patterns += p.shape[0]
        return self

    def energy(self, state: Tensor) -> float:
        """E(s) = -½ sᵀ W s (lower is more stable)."""
        s = torch.as_tensor(state, dtype=self.counts.dtype)
        if s.shape != (self.size,):
            raise ValueError(f"state must have shape ({self.size},), got {tuple(s.shape)}")
        return self._energy(float(s.double() @ self.counts.double() @ s.double()))

    def _energy(self, q: float) -> float:
        """E from q = sᵀ (Σ_p x_p x_pᵀ) s, a whole number held exactly in float64 (W = counts / N)."""
        return -0.5 * q / self.size

    @staticmethod
    def _sign(h: Tensor, previous: Tensor) -> Tensor:
        # a unit with zero input keeps its state (the usual tie rule)
        return torch.where(h > 0, 1.0, torch.where(h < 0, -1.0, previous)).to(previous.dtype)

    def recall(
        self,
        probe: Tensor,
        mode: str = "async",
        max_steps: int = 100,
        generator: torch.Generator | None = None,
    ) -> Recall:
        """Update ``probe`` (N,) until a fixed point or ``max_steps`` sweeps.

        ``mode="async"`` updates units one at a time in a random order each sweep (energy never rises), the
        orders drawn from ``generator`` (torch's default generator when None); ``mode="sync"`` updates all units at
        once, draws nothing and so gives the same recall whatever ``generator`` is (it is taken, and left untouched,
        so that one call serves both modes).
        """
        s = _check_bipolar(torch.as_tensor(probe, dtype=self.weight.dtype).clone(), "probe")
        if s.shape != (self.size,):
            raise ValueError(f"probe must have shape ({self.size},), got {tuple(s.shape)}")
        if mode not in ("async", "sync"):
            raise ValueError(f"mode must be 'async' or 'sync', got {mode!r}")
        max_steps = _count("max_steps", max_steps, 0)
        generator = _check_generator(generator)
        # each unit's input h = counts @ s and q = sᵀ h, whole numbers held exactly in float64 and kept up to
        # date as units flip (O(N) a flip, not O(N²) a unit); the signs and energies come from them
        counts = self.counts.double()
        state = s.double()
        h = counts @ state
        q = float(state @ h)
        energies = [self._energy(q)]
        for sweep in range(1, max_steps + 1):
            if mode == "sync":
                new = self._sign(h, state)
                changed = not torch.equal(new, state)
                state, h = new, counts @ new
                q = float(state @ h)
                energies.append(self._energy(q))
            else:
                changed = False
                inputs, signs = h.tolist(), state.tolist()
                for i in torch.randperm(self.size, generator=generator).tolist():
                    v = 1.0 if inputs[i] > 0 else -1.0 if inputs[i] < 0 else signs[i]
                    if v != signs[i]:   # flipping unit i by d = 2v changes q by 2 d h_i (zero diagonal)
                        q += 4.0 * v * inputs[i]
                        signs[i] = v
                        h += (2.0 * v) * counts[i]   # the column, read as its row: counts is symmetric
                        inputs = h.tolist()
                        changed = True
                    energies.append(self._energy(q))
                state = torch.tensor(signs, dtype=torch.float64)
            if not changed:
                return Recall(state.to(s.dtype), True, sweep, energies)
        return Recall(state.to(s.dtype), False, max_steps, energies)


def retrieval(size: int, load: float, probes: int = 10, *, max_steps: int = 100,
              generator: torch.Generator | None = None) -> Tensor:
    """How well a network of ``size`` units keeps ``round(load * size)`` random patterns (at least one): for
    ``probes`` of them (at most all), the overlap m = ξ·s / N of the pattern ξ with the state s that
    asynchronous recall started at ξ settles on. 1 is the pattern kept exactly; up to a load of about 0.138
    (Amit et al. 1985) a few percent of its bits are lost (m ≈ 0.97 there), beyond it recall drifts far from
    it. A tensor of ``probes`` overlaps, drawn from ``generator``."""
    if isinstance(load, bool) or not isinstance(load, (int, float)) or not 0 < load <= 10:
        raise ValueError(f"load must be a number of patterns per unit in (0, 10], got {load!r}")
    net, generator = Hopfield(size), _check_generator(generator)
    count = max(1, round(load * net.size))
    patterns = torch.randint(0, 2, (count, net.size), generator=generator, dtype=torch.float64) * 2 - 1
    net.store(patterns)
    probes = min(_count("probes", probes, 1), count)
    return torch.tensor([float(net.recall(x, max_steps=max_steps, generator=generator).state @ x) / net.size
                         for x in patterns[:probes]])
