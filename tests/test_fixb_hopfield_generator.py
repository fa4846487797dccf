"""``Hopfield.recall``'s ``generator`` serves the asynchronous mode alone: synchronous recall draws nothing, takes
the generator and leaves it untouched (one call serves both modes, as the tests and :func:`retrieval` call it).
What is not a generator is a TypeError naming it in either mode: a seed in its place (``generator=0``) was taken
without a word by synchronous recall, and asynchronous recall failed inside ``torch.randperm``."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Hopfield
from rnnkit.hopfield import retrieval


def _network() -> tuple[Hopfield, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    patterns = torch.randint(0, 2, (3, 16), generator=g).double() * 2 - 1
    probe = patterns[0].clone()
    probe[:4] *= -1
    return Hopfield(16).store(patterns), probe


def _synchronous(weight: torch.Tensor, s: torch.Tensor, steps: int) -> torch.Tensor:
    """s ← sign(W s) for every unit at once, a unit of zero input keeping its state: the textbook update."""
    for _ in range(steps):
        h = weight @ s
        s = torch.where(h > 0, 1.0, torch.where(h < 0, -1.0, s)).double()
    return s


def test_synchronous_recall_leaves_the_generator_untouched_and_is_the_textbook_update() -> None:
    net, probe = _network()
    g = torch.Generator().manual_seed(5)
    before = g.get_state()
    got = net.recall(probe, mode="sync", max_steps=7, generator=g)
    assert torch.equal(g.get_state(), before)
    plain = net.recall(probe, mode="sync", max_steps=7)
    assert torch.equal(got.state, plain.state) and got.energies == plain.energies
    assert torch.equal(got.state, _synchronous(net.weight, probe, got.steps))


def test_asynchronous_recall_draws_its_orders_from_the_generator() -> None:
    net, probe = _network()
    g = torch.Generator().manual_seed(5)
    before = g.get_state()
    first = net.recall(probe, mode="async", generator=g)
    assert not torch.equal(g.get_state(), before)
    again = net.recall(probe, mode="async", generator=torch.Generator().manual_seed(5))
    assert torch.equal(first.state, again.state) and first.energies == again.energies


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("generator", [0, "seed", torch.tensor(1)])
def test_what_is_no_generator_is_refused_in_either_mode(mode: str, generator: object) -> None:
    net, probe = _network()
    with pytest.raises(TypeError, match=rf"^generator takes a torch.Generator or None, not "
                                        rf"{type(generator).__name__}$"):
        net.recall(probe, mode=mode, generator=generator)


def test_retrieval_refuses_a_seed_for_its_generator() -> None:
    with pytest.raises(TypeError, match=r"^generator takes a torch.Generator or None, not int$"):
        retrieval(8, 0.1, generator=0)
