"""Counts said in words (rnnkit.wording.counted): a run of one update closed on "1 steps" in every task; each
closing line, ``rnnkit info``'s "trained" row and autotune's trial line now say "1 step", and "2 steps" as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rnnkit.tasks import _text, charlm, info, translate
from rnnkit.train.autotune import Trial, _trial_line
from rnnkit.train.trainer import TrainResult
from rnnkit.wording import counted


def test_counted_says_the_plural_unless_one_and_keeps_the_number_format() -> None:
    assert [counted(n, "step") for n in (0, 1, 2)] == ["0 steps", "1 step", "2 steps"]
    assert counted(1234, "pair", ",") == "1,234 pairs"


def _result(steps: int, tmp_path: Path) -> TrainResult:
    return TrainResult(best_metric=0.5, best_step=steps, metric="accuracy", steps=steps, seconds=1.0, tokens=10,
                       tokens_per_s=10.0, stopped="steps", out_dir=tmp_path)


@pytest.mark.parametrize("steps, said", [(1, "1 step"), (2, "2 steps")])
def test_closing_lines_count_the_steps_in_words(steps: int, said: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    result = _result(steps, tmp_path)
    _text.report_training(result, False, "texts")
    charlm.report(result, False)
    lines = capsys.readouterr()
    lines = (lines.out + lines.err).splitlines()
    assert f"({said}, 1 s, 10 texts/s)" in lines[0] and f"; {said} in 1 s, 10 chars/s;" in lines[1], lines
    assert f"({said}, 1 s)" in translate.closing_line(result, "token", "", "pairs")
    trial = Trial(number=1, kind="preset", settings={}, score=0.5, steps=steps, seconds=1.0, stopped="steps")
    assert _trial_line(trial, lambda settings: "x").endswith(f"({said}, 1 s)")


def test_info_says_one_step_trained(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    found: dict[str, Any] = {"path": "run/best", "task": "classify", "parameters": 10, "config": {}, "steps": 1,
                             "seconds": 2.0, "tokens": None, "metric": "accuracy", "best_metric": None}
    monkeypatch.setattr(info, "model_info", lambda path: found)
    info._info_command(type("Args", (), {"dir": "run", "json": False})())
    assert "trained          1 step in 2 s" in capsys.readouterr().out
