"""Gaps a mutation audit of :mod:`rnnkit.train.optim` found (round 7), checked against torch's optimisers and
schedulers."""

from __future__ import annotations

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.train.optim import build_optimizer, learning_rate


def test_plateau_is_torchs_reduce_lr_on_plateau_down_to_its_floor() -> None:
    """``plateau`` after r reductions is lr × gamma^r, never below min_lr_ratio × lr: torch's ReduceLROnPlateau
    (patience 0, a metric that never improves: one reduction an evaluation) with min_lr at that floor."""
    opt = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.8)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0, min_lr=0.8 * 0.1, eps=0.0)
    sched.step(1.0)  # the first evaluation: the best so far, no reduction
    for reductions in range(6):
        got = learning_rate(0.8, 100 + reductions, 0.3, schedule="plateau", gamma=0.5, reductions=reductions,
                            min_lr_ratio=0.1)
        assert got == pytest.approx(opt.param_groups[0]["lr"]), reductions
        sched.step(1.0)


def test_a_progress_outside_0_to_1_is_read_as_its_nearest_end() -> None:
    """A budget overrun (progress 1.3) holds the floor; a negative progress (a clock set back) the start."""
    assert learning_rate(1.0, 5, 1.3, min_lr_ratio=0.1) == pytest.approx(0.1)
    assert learning_rate(1.0, 5, -0.5, min_lr_ratio=0.1) == pytest.approx(1.0)
    assert learning_rate(1.0, 5, -0.5, schedule="linear", min_lr_ratio=0.1) == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_an_optimizer_name_is_read_in_any_case(name: str) -> None:
    opt = build_optimizer(name, [torch.nn.Parameter(torch.ones(2))], lr=0.1)
    assert type(opt).__name__ == name


def test_an_unknown_optimizer_is_refused_in_words() -> None:
    with pytest.raises(UserError, match=r"--optimizer 'lion': expected one of sgd, adam, adamw, rmsprop"):
        build_optimizer("lion", [torch.nn.Parameter(torch.ones(2))], lr=0.1)


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_adam_on_cpu_floats_takes_the_fused_kernel(name: str) -> None:
    """The documented speed-up: every parameter a float tensor on the CPU, so torch's fused implementation."""
    opt = build_optimizer(name, [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))], lr=0.1)
    assert opt.defaults["fused"] is True
