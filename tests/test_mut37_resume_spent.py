"""Mutation round 37: the resumed run's "took no step" line (2531f3bc) is said only of a resumed run whose steps or
minutes were spent: not of a fresh run stopped by its minutes before its first step (a Trainer without an output
folder), nor of a resumed run stopped at once by something else (``halt_at``: its line would have named --minutes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_mut20_trainer import trainer


def test_a_fresh_run_out_of_minutes_before_a_step_is_no_resumed_run(capsys: pytest.CaptureFixture[str]) -> None:
    """Without an output folder (a Trainer of one's own), so that the run ends rather than being refused."""
    result = trainer(None, [1.0, 1.0], verbose=True, minutes=1e-12).fit()  # type: ignore[arg-type]
    assert (result.steps, result.stopped) == (0, "minutes")
    assert "took no step" not in capsys.readouterr().err


def test_a_resumed_run_halted_at_once_says_nothing_of_a_budget(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    trainer(tmp_path, [1.0, 1.0, 1.0], halt_at=2).fit()
    result = trainer(tmp_path, [1.0, 1.0, 1.0], resume=True, verbose=True, halt_at=2).fit()
    assert (result.steps, result.stopped) == (2, "halt_at")
    assert "took no step" not in capsys.readouterr().err
