"""What `rnnkit train TASK --json` prints on its last line: the keys every task shares, named and written alike
(cross-task consistency, round 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.tasks import TASKS, discover
from rnnkit.train.trainer import TrainResult

discover()

#: what each task's last evaluation holds (its report reads the scores of its own task)
EVALS = {"charlm": {"loss": 0.5}, "classify": {"loss": 0.5, "accuracy": 0.75, "macro_f1": 0.7},
         "tag": {"loss": 0.5, "accuracy": 0.75, "macro_f1": 0.7}, "seq2seq": {"loss": 0.5, "exact_match": 0.25,
                                                                             "bleu": 30.0},
         "speech": {"loss": 0.5, "per": 0.4, "wer": 0.6}, "caption": {"loss": 0.5, "exact_match": 0.25, "bleu": 30.0}}


def summary(task: str, out: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    (out / "best").mkdir(parents=True)
    result = TrainResult(best_metric=0.5, best_step=3, metric="loss", steps=3, seconds=1.25, tokens=600,
                         tokens_per_s=480.04, stopped="steps", out_dir=out, last_eval=EVALS[task],
                         best_eval=EVALS[task])
    TASKS[task].report(result, True)
    return json.loads(capsys.readouterr().out.splitlines()[-1])


def test_every_task_names_its_tasks_list() -> None:
    assert sorted(EVALS) == sorted(TASKS)


@pytest.mark.parametrize("task", sorted(EVALS))
def test_every_summary_names_the_model_directory(task: str, tmp_path: Path, capsys) -> None:
    """charlm's summary said only `out` (the run's folder), where every other task's says `model_dir`
    (OUT/best): a script reading `model_dir` after any `rnnkit train --json` got nothing for a charlm run."""
    got = summary(task, tmp_path / "run", capsys)
    assert got["model_dir"] == str(tmp_path / "run" / "best")
    assert (got["best_val_loss"], got["best_step"], got["steps"], got["stopped"]) == (0.5, 3, 3, "steps")


@pytest.mark.parametrize("task", sorted(EVALS))
def test_every_summary_gives_the_speed_as_metrics_jsonl_names_it(task: str, tmp_path: Path, capsys) -> None:
    """The speed of training was `tokens_per_s` in charlm's summary (and every task's metrics.jsonl),
    `examples_per_s` in classify's and tag's, and absent from seq2seq's, speech's and caption's."""
    got = summary(task, tmp_path / "run", capsys)
    assert got["tokens_per_s"] == 480.0
    assert isinstance(got["seconds"], float) and round(got["seconds"], 2) == 1.25


def test_a_multi_label_summary_gives_the_speed_and_the_model_directory_too(tmp_path: Path, capsys) -> None:
    (tmp_path / "run" / "best").mkdir(parents=True)
    scores = {"loss": 0.5, "micro_f1": 0.6, "macro_f1": 0.5}
    result = TrainResult(best_metric=0.5, best_step=3, metric="loss", steps=3, seconds=1.25, tokens=600,
                         tokens_per_s=480.04, stopped="steps", out_dir=tmp_path / "run", last_eval=scores,
                         best_eval=scores)
    TASKS["classify"].report(result, True)
    got = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert got["multi_label"] is True and got["tokens_per_s"] == got["examples_per_s"] == 480.0
    assert got["model_dir"] == str(tmp_path / "run" / "best") and got["best_val_micro_f1"] == 0.6
