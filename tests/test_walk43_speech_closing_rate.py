"""``rnnkit train speech``'s closing line gives the error rate of the model it names. It said the best validation
loss and its step, then the *last* evaluation's CER, then ``model in OUT/best``: a run whose validation loss was lowest
at step 1,100 of 3,000 read ``best validation loss 1.2685 nats/symbol at step 1100, CER 0.8889``, though ``OUT/best``
(step 1,100) had CER 0.6667, and ``rnnkit evaluate OUT`` then disagreed with it. ``--json`` keeps the last
evaluation's rates as ``val_cer``/``val_wer`` and now has the kept model's as ``best_val_cer``/``best_val_wer``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.tasks import speech
from rnnkit.train.trainer import TrainResult

BEST = {"loss": 1.2685, "cer": 0.6667, "wer": 1.0}
LAST = {"loss": 1.4364, "cer": 0.8889, "wer": 0.75}


def _result(tmp_path: Path, best_eval: dict[str, float]) -> TrainResult:
    (tmp_path / "best").mkdir(exist_ok=True)
    return TrainResult(best_metric=1.2685, best_step=1100, metric="loss", steps=3000, seconds=36.0, tokens=10,
                       tokens_per_s=1.0, stopped="steps", out_dir=tmp_path, last_eval=LAST, best_eval=best_eval)


def test_the_closing_line_gives_the_kept_models_rate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speech.report(_result(tmp_path, BEST), False)
    line = capsys.readouterr().out
    assert line.startswith("best validation loss 1.2685 nats/symbol at step 1100, CER 0.6667 (3000 steps"), line
    assert "0.8889" not in line


def test_json_has_the_kept_models_rates_beside_the_last(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speech.report(_result(tmp_path, BEST), True)
    doc = json.loads(capsys.readouterr().out)
    assert (doc["best_val_cer"], doc["best_val_wer"]) == (0.6667, 1.0)
    assert (doc["val_cer"], doc["val_wer"]) == (0.8889, 0.75)


def test_a_run_saved_without_the_best_evaluation_names_no_rate(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A run whose trainer state kept no best evaluation says no rate rather than the last one's."""
    speech.report(_result(tmp_path, {}), False)
    line = capsys.readouterr().out
    assert line.startswith("best validation loss 1.2685 nats/symbol at step 1100 (3000 steps"), line
