"""The closing lines of ``rnnkit train classify`` and ``train tag`` give the best validation loss with its unit,
as charlm's, translation's, captioning's and speech's do, and as ``rnnkit info`` and ``report`` say it: nats per
text for a classifier, per label for a multi-label one, per token for a tagger."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.tasks import _text as shared
from rnnkit.tasks import loss_unit
from rnnkit.train.trainer import TrainResult


def _result(tmp_path: Path, metric: str, score: str) -> TrainResult:
    best = {"loss": 0.3282, score: 0.875}
    return TrainResult(best_metric=best[metric], best_step=200, metric=metric, steps=255, seconds=11.2, tokens=8000,
                       tokens_per_s=720.0, stopped="steps", out_dir=tmp_path, last_eval=best, best_eval=best)


@pytest.mark.parametrize(("task", "config", "score", "unit"), [
    ("classify", {"task": "classify"}, "accuracy", "text"),
    ("classify", {"task": "classify", "multi_label": True}, "micro_f1", "label"),
    ("tag", {"task": "tag"}, "accuracy", "token"),
])
def test_the_closing_line_names_the_loss_unit_as_info_does(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           task: str, config: dict, score: str, unit: str) -> None:
    loss_unit_kw = {"loss_unit": "token"} if task == "tag" else {}
    shared.report_training(_result(tmp_path, "loss", score), False, "tokens", **loss_unit_kw)
    line = capsys.readouterr().out
    assert line.startswith(f"best validation loss 0.3282 nats/{unit} at step 200, ")
    assert loss_unit(config, "loss") == f" nats/{unit}"  # what rnnkit info and report say after it


def test_a_run_kept_by_a_score_names_no_loss_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shared.report_training(_result(tmp_path, "accuracy", "accuracy"), False, "texts")
    assert capsys.readouterr().out.startswith("best validation accuracy 0.8750 at step 200 (")
