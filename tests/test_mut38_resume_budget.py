"""Mutation round 38 on fixo's note of a resumed run's new total: both budgets changed are named together with
"whichever comes first" and the plural "count"; a run whose --minutes are spent says only that it took no step; a
budget damaged to true/false by hand is not a number."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.train.trainer import _budget_number
from tests.test_mut20_trainer import trainer

COSINE = {"schedule": "cosine", "lr": 0.1}


def test_a_new_steps_and_minutes_are_said_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trainer(tmp_path, [1.0] * 4, halt_at=2, **COSINE).fit()
    capsys.readouterr()
    trainer(tmp_path, [1.0] * 3, resume=True, verbose=True, minutes=5.0, **COSINE)
    assert ("resumed with --steps 3, --minutes 5 (the run had --steps 4, no --minutes): --steps and --minutes count "
            "the whole run, so its cosine learning-rate schedule is drawn again to end at step 3 or 5 minutes, "
            "whichever comes first (the run is at step 2)") in capsys.readouterr().err


def test_a_run_whose_minutes_are_spent_says_only_that(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trainer(tmp_path, [1.0] * 4, halt_at=2, **COSINE).fit()  # its seconds pass --minutes 1e-9
    capsys.readouterr()
    trainer(tmp_path, [1.0] * 3, resume=True, verbose=True, minutes=1e-9, **COSINE).fit()
    err = capsys.readouterr().err
    assert "resumed with" not in err and "the resumed run took no step" in err, err


def test_a_boolean_is_not_a_budget() -> None:
    assert _budget_number(3) and _budget_number(1.5) and _budget_number(None)
    assert not _budget_number(True) and not _budget_number("many")
