"""Shared test fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny models: one torch thread is faster, and far faster on a shared, loaded CPU (restored after).
    A test module opts in with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def fitted_trainers(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every :class:`rnnkit.train.Trainer` that fits during the test, in order: proof that a loop trains
    through the one Trainer."""
    from rnnkit.train import Trainer

    seen: list = []
    real_fit = Trainer.fit

    def spy(self: Trainer) -> object:
        seen.append(self)
        return real_fit(self)

    monkeypatch.setattr(Trainer, "fit", spy)
    return seen
