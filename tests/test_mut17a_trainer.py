"""Trainer._finish: a run ended before its first update. A run in memory (experiments, pre-training) that Ctrl-C
stops there returns as before; only a run into a folder is undone (mutation audit round 17)."""

from __future__ import annotations

import pytest
from test_train import make_trainer


def test_ctrl_c_before_the_first_update_of_a_run_in_memory_returns_its_result(
        monkeypatch: pytest.MonkeyPatch) -> None:
    trainer = make_trainer(None, steps=None, minutes=10.0)
    monkeypatch.setattr(trainer, "_update", lambda lr, progress: pytest.fail("an update after Ctrl-C"))
    monkeypatch.setattr(trainer, "_stop_reason_here", lambda: "interrupted")
    try:
        result = trainer.fit()
    except KeyboardInterrupt:  # caught here: raised out of the test, it would stop the whole session
        pytest.fail("a run in memory stopped by Ctrl-C before its first update raised KeyboardInterrupt")
    assert (result.steps, result.stopped) == (0, "interrupted")
