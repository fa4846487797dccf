"""A run resumed with another ``--steps`` (or ``--minutes``) than its own draws its cosine or linear learning-rate
schedule again over the new total, since the budget counts the whole run: a run at step 789 of 1000 resumed with
``--steps 795`` fell to nearly no rate within six steps, and nothing said so. The resumed run now says it in one
line, naming the old and new totals and where the schedule ends, once: its saves record the new total."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_mut20_trainer import trainer

COSINE = {"schedule": "cosine", "lr": 0.1}


def test_another_total_is_said_with_where_the_schedule_ends(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    trainer(tmp_path, [1.0] * 4, halt_at=2, **COSINE).fit()
    capsys.readouterr()
    resumed = trainer(tmp_path, [1.0] * 3, resume=True, verbose=True, **COSINE)
    err = capsys.readouterr().err
    assert ("resumed with --steps 3 (the run had --steps 4): --steps counts the whole run, so its cosine "
            "learning-rate schedule is drawn again to end at step 3 (the run is at step 2)") in err, err
    assert resumed.fit().steps == 3


def test_it_is_said_once_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The resumed run's save records the new total: resumed again with it, nothing is said."""
    trainer(tmp_path, [1.0] * 6, halt_at=2, **COSINE).fit()
    trainer(tmp_path, [1.0] * 5, resume=True, halt_at=3, **COSINE).fit()
    capsys.readouterr()
    trainer(tmp_path, [1.0] * 5, resume=True, verbose=True, **COSINE)
    assert "resumed with" not in capsys.readouterr().err


@pytest.mark.parametrize("cfg", [{"steps": 4}, {"steps": 5, "schedule": "constant"}, {"steps": 2}],
                         ids=["the same total", "a rate the total does not move", "no step left"])
def test_nothing_is_said_where_the_schedule_is_not_drawn_again(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              cfg: dict) -> None:
    trainer(tmp_path, [1.0] * 4, halt_at=2, **COSINE).fit()
    capsys.readouterr()
    trainer(tmp_path, [1.0] * 5, resume=True, verbose=True, **{**COSINE, **cfg})
    assert "resumed with" not in capsys.readouterr().err


def test_a_total_damaged_by_hand_says_nothing_and_resumes(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A ``train_config.steps`` that is no number is not the run's budget: no line (nor a traceback from it)."""
    trainer(tmp_path, [1.0] * 4, halt_at=2, **COSINE).fit()
    state = tmp_path / "last" / "trainer_state.json"
    saved = json.loads(state.read_text())
    state.write_text(json.dumps({**saved, "train_config": {**saved["train_config"], "steps": "many"}}))
    capsys.readouterr()
    assert trainer(tmp_path, [1.0] * 3, resume=True, verbose=True, **COSINE).fit().steps == 3
    assert "resumed with" not in capsys.readouterr().err


def test_a_large_total_is_said_in_full(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trainer(tmp_path, [1.0] * 4, halt_at=2, **COSINE).fit()
    capsys.readouterr()
    trainer(tmp_path, [1.0] * 3, resume=True, verbose=True, **{**COSINE, "steps": 2_000_000})
    assert "resumed with --steps 2000000 (the run had --steps 4)" in capsys.readouterr().err
