"""A training run's closing line says a short run's time as ``rnnkit info`` does (two digits, ``0.031 s``): it said
``3 steps, 0.0 s`` (classify, tag, translate, caption, speech) or ``3 steps in 0 s`` (charlm)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.tasks import _text, charlm, translate
from rnnkit.train.trainer import TrainResult
from rnnkit.wording import seconds


def _result(tmp_path: Path, took: float) -> TrainResult:
    (tmp_path / "best").mkdir(exist_ok=True)
    return TrainResult(best_metric=0.5, best_step=3, metric="loss", steps=3, seconds=took, tokens=30,
                       tokens_per_s=30 / took, stopped="steps", out_dir=tmp_path)


@pytest.mark.parametrize(("took", "said"), [(0.0314, "0.031 s"), (3.44, "3.4 s"), (0.004, "under 0.01 s"),
                                            (52.4, "52 s")])
def test_seconds_says_two_digits_below_ten_seconds(took: float, said: str) -> None:
    assert seconds(took) == said


@pytest.mark.parametrize("report", [
    lambda r: _text.report_training(r, False, "tokens"),
    lambda r: print(translate.closing_line(r, "token", "", "pairs")),
    lambda r: charlm.report(r, False),
])
def test_the_closing_line_of_a_short_run_gives_its_time_in_two_digits(report, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    report(_result(tmp_path, 0.0314))
    line = capsys.readouterr().out
    assert "3 steps" in line and "0.031 s" in line, line
    assert " 0.0 s" not in line and " 0 s" not in line
