"""A resumed run whose budget was already spent took no step and printed the old run's closing line without a word:
``rnnkit train speech --resume OUT --steps 100`` of a run stopped by its ``--minutes 0.1`` (which the resumed run
keeps: it counts the whole run's training time) ended at once, as did ``--resume OUT`` of a finished ``--steps`` run.
It now says which budget was reached and which flag to raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_mut20_trainer import trainer


def test_a_finished_run_resumed_says_its_steps_were_reached(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    trainer(tmp_path, [1.0, 1.0]).fit()
    result = trainer(tmp_path, [1.0, 1.0], resume=True, verbose=True).fit()
    assert (result.steps, result.stopped) == (2, "steps")
    assert ("the resumed run took no step: it had already reached --steps 2; give a larger --steps to train on"
            in capsys.readouterr().err)


def test_a_run_resumed_past_its_minutes_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = trainer(tmp_path, [1.0, 1.0, 1.0], halt_at=2)
    first.fit()
    resumed = trainer(tmp_path, [1.0] * 5, resume=True, verbose=True, minutes=0.001)
    resumed.elapsed = 60.0  # a minute trained already, past the kept 0.001
    assert resumed.fit().stopped == "minutes"
    err = capsys.readouterr().err
    assert "the resumed run took no step: it had already reached --minutes 0.001 (1.00 min trained" in err
    assert "give a larger --minutes to train on" in err


def test_a_resumed_run_that_trains_says_nothing_of_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trainer(tmp_path, [1.0, 1.0, 1.0], halt_at=2).fit()
    assert trainer(tmp_path, [1.0, 1.0, 1.0], resume=True, verbose=True).fit().steps == 3
    assert "took no step" not in capsys.readouterr().err
