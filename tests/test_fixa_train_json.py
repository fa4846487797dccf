"""fixa's check of `rnnkit train TASK --json`: every task's line ends with run_summary's keys, as it says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.tasks import TASKS, discover
from rnnkit.train.trainer import TrainResult, run_summary

discover()

SCORES = {"loss": 0.5, "accuracy": 0.75, "macro_f1": 0.7, "exact_match": 0.25, "bleu": 30.0, "per": 0.4, "wer": 0.6}


def _last_line(task: str, out: Path, capsys: pytest.CaptureFixture[str], **extra: object) -> list[str]:
    (out / "best").mkdir(parents=True)
    result = TrainResult(best_metric=0.5, best_step=3, metric="loss", steps=3, seconds=1.25, tokens=600,
                         tokens_per_s=480.0, stopped="steps", out_dir=out, last_eval=SCORES, best_eval=SCORES)
    for name, value in extra.items():
        setattr(result, name, value)
    capsys.readouterr()
    TASKS[task].report(result, True)
    keys = list(json.loads(capsys.readouterr().out.splitlines()[-1]))
    assert keys[-len(run_summary(result)):] == list(run_summary(result)), keys
    return keys


@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_tasks_json_line_ends_with_the_shared_keys(task: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """charlm's line put `out` after `model_dir`, where run_summary's docstring (and every other task) has the shared
    keys end the line."""
    _last_line(task, tmp_path / "run", capsys)


def test_a_classifiers_pretraining_or_search_comes_before_the_shared_keys(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    keys = _last_line("classify", tmp_path / "run", capsys, pretrain={"steps": 2}, autotune={"trials": 1})
    assert {"pretrain", "autotune"} <= set(keys)
