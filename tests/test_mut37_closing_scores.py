"""Mutation round 37: a translation's (and captioning's) closing line gives the kept model's scores when they are
0: a model that wrote nothing exactly is said to have exact match 0.000 and BLEU 0.0, not left without them (as a
run without those scores is)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.tasks import caption, translate
from rnnkit.train.trainer import TrainResult


@pytest.mark.parametrize("task", [translate, caption])
def test_scores_of_zero_are_said(task, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "best").mkdir()
    zero = {"loss": 2.5, "exact_match": 0.0, "bleu": 0.0}
    task.report(TrainResult(best_metric=2.5, best_step=3, metric="loss", steps=3, seconds=1.0, tokens=10,
                            tokens_per_s=1.0, stopped="steps", out_dir=tmp_path, last_eval=zero, best_eval=zero), False)
    line = capsys.readouterr().out
    assert ", exact match 0.000" in line and ", BLEU 0.0" in line, line
