"""Mutation round 37: ``rnnkit train speech``'s closing line finds the kept model's error rate in the best
evaluation even where the last evaluation holds none (an empty last evaluation: the rate was chosen from the last
one alone, and the line then gave no CER for a model that had one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.tasks import speech
from rnnkit.train.trainer import TrainResult


def _result(tmp_path: Path) -> TrainResult:
    (tmp_path / "best").mkdir(exist_ok=True)
    return TrainResult(best_metric=1.2685, best_step=1100, metric="loss", steps=3000, seconds=36.0, tokens=10,
                       tokens_per_s=1.0, stopped="steps", out_dir=tmp_path, last_eval={},
                       best_eval={"loss": 1.2685, "cer": 0.6667, "wer": 1.0})


def test_the_kept_rate_is_said_without_a_last_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speech.report(_result(tmp_path), False)
    assert capsys.readouterr().out.startswith("best validation loss 1.2685 nats/symbol at step 1100, CER 0.6667 (")
    speech.report(_result(tmp_path), True)
    doc = json.loads(capsys.readouterr().out)
    assert (doc["best_val_cer"], doc["val_cer"]) == (0.6667, None)
