"""Gaps a mutation audit of :mod:`rnnkit.train.ema` found (round 10): each test fails on one changed line."""

from __future__ import annotations

import pytest
import torch

from rnnkit.train.ema import WeightAverage


def _model() -> torch.nn.Linear:
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2)


def test_the_average_is_the_warmed_up_exponential_average_worked_by_hand() -> None:
    """a ← d·a + (1 − d)·w with d = min(decay, (1 + n) / (10 + n)) after n updates, the first a copy, in float64
    by hand over weights that change after each update (the average is its own copy, not the weights)."""
    model = _model()
    decay = 0.5
    average = WeightAverage(model, decay)
    want: torch.Tensor | None = None
    for n in range(6):
        with torch.no_grad():
            model.weight.add_(float(n + 1))  # weights 1, 3, 6, 10, ... above the start
        w = model.weight.detach().double().clone()
        d = min(decay, (1 + n) / (10 + n))
        want = w if want is None else d * want + (1 - d) * w
        average.update()
    assert average.updates == 6 and want is not None
    assert torch.allclose(average.average[0].double(), want, atol=1e-5)
    assert not torch.allclose(average.average[0], model.weight.detach())


def test_frozen_parameters_are_not_averaged() -> None:
    model = _model()
    model.bias.requires_grad_(False)
    average = WeightAverage(model, 0.9)
    average.update()
    assert average.names == ["weight"] and list(average.state_tensors()) == ["ema.weight"]


def test_the_block_ends_with_the_trained_weights_back_even_when_it_raises() -> None:
    model = _model()
    average = WeightAverage(model, 0.9)
    average.update()
    with torch.no_grad():
        model.weight.add_(1.0)
    trained = model.weight.detach().clone()
    with pytest.raises(RuntimeError, match="boom"), average.swapped_in():
        assert torch.equal(model.weight.detach(), average.average[0])  # the average inside the block
        raise RuntimeError("boom")
    assert torch.equal(model.weight.detach(), trained)
    with average.swapped_in():
        pass
    assert torch.equal(model.weight.detach(), trained)


@pytest.mark.parametrize(("tensors", "updates"), [
    ({"ema.weight": torch.ones(2, 3), "ema.bias": torch.ones(2)}, 0),  # none yet: the tensors are not read
    ({"ema.weight": torch.ones(2, 3)}, 5),  # one weight missing: a run of another model
])
def test_a_checkpoint_without_a_whole_average_starts_one_afresh(tensors: dict[str, torch.Tensor],
                                                                 updates: int) -> None:
    model = _model()
    average = WeightAverage(model, 0.9)
    for _ in range(3):
        average.update()
    average.load(tensors, updates, "run/last")
    assert average.average is None and average.updates == 0
    average.update()  # the next update copies
    assert torch.equal(average.average[0], model.weight.detach())


def test_a_saved_average_is_put_in_the_models_dtype() -> None:
    model = _model()
    average = WeightAverage(model, 0.9)
    average.load({"ema.weight": torch.ones(2, 3, dtype=torch.float64), "ema.bias": torch.ones(2, dtype=torch.float64)},
                 4, "run/last")
    assert [a.dtype for a in average.average] == [torch.float32, torch.float32]
