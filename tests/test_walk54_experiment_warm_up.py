"""walk54: the first run of an experiment (and diagnose's first cell) is not charged what only the first optimizer of
a process costs.

torch imports its compiler (torch._dynamo, seconds) when the first optimizer of a process is built; that was
inside the first run's clock, so the first cell's budget, seconds per run and time to solve counted it (at
``--minutes 0.05`` the first cell made no update while the second made 35). Here the first optimizer of the
process is made two seconds slower, as that import is, and the two seeds of one cell must take alike.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import torch

from rnnkit.tasks import experiments as ex
from rnnkit.tasks.diagnose import diagnose_cell


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first optimizer built from here on takes two seconds more, as torch's first one does; the optimizers
    built, counted."""
    real = torch.optim.Optimizer.__init__
    count: list[int] = []

    def slow_first(self: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> None:
        if not count:
            time.sleep(2.0)
        count.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Optimizer, "__init__", slow_first)
    return count


def test_the_first_run_does_not_pay_the_first_optimizers_one_time_cost(built: list[int]) -> None:
    s = ex.Settings(experiment="adding", cells=["gru"], seeds=2, steps=1, length=5, hidden=4, batch_size=4,
                    eval_size=8)
    first, second = (r["seconds"] for r in ex.run_experiment(s)["results"]["gru"]["runs"])
    assert len(built) >= 2
    assert first < second + 1.5, (first, second)  # seed 0 took the 2 s, seed 1 none


def test_diagnoses_first_cell_does_not_pay_it_either(built: list[int]) -> None:
    first, second = (diagnose_cell("rnn_tanh", 5, 4, 1, seed)["train_seconds"] for seed in (0, 1))
    assert len(built) >= 2
    assert first < second + 1.5, (first, second)
