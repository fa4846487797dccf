"""``rnnkit train seq2seq``'s (and ``train caption``'s) closing line gives the exact match and BLEU of the model
it names. It said the best validation loss and its step, then the *last* evaluation's exact match and BLEU, then
``model in OUT/best``: a run whose loss was lowest at step 100 of 300 read ``at step 100, exact match 0.976``
though ``OUT/best`` (step 100) wrote 0.500 of the pairs exactly, and ``rnnkit evaluate OUT`` then disagreed.
``--json`` keeps the last evaluation's as ``val_exact_match``/``val_bleu`` and now has the kept model's as
``best_val_exact_match``/``best_val_bleu`` (as walk43 did for speech's CER)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.tasks import caption, translate
from rnnkit.train.trainer import TrainResult

BEST = {"loss": 0.25, "exact_match": 0.5, "bleu": 41.0}
LAST = {"loss": 0.75, "exact_match": 0.976, "bleu": 88.0}


def _result(tmp_path: Path, best_eval: dict[str, float]) -> TrainResult:
    (tmp_path / "best").mkdir(exist_ok=True)
    return TrainResult(best_metric=0.25, best_step=100, metric="loss", steps=300, seconds=6.0, tokens=10,
                       tokens_per_s=1.0, stopped="steps", out_dir=tmp_path, last_eval=LAST, best_eval=best_eval)


@pytest.mark.parametrize("task", [translate, caption])
def test_the_closing_line_gives_the_kept_models_scores(task, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    task.report(_result(tmp_path, BEST), False)
    line = capsys.readouterr().out
    assert line.startswith(f"best validation loss 0.2500 nats/{task.LOSS_UNIT} at step 100, exact match 0.500, "
                           "BLEU 41.0 (300 steps"), line
    assert "0.976" not in line and "88.0" not in line


def test_json_has_the_kept_models_scores_beside_the_last(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    translate.report(_result(tmp_path, BEST), True)
    doc = json.loads(capsys.readouterr().out)
    assert (doc["best_val_exact_match"], doc["best_val_bleu"]) == (0.5, 41.0)
    assert (doc["val_exact_match"], doc["val_bleu"]) == (0.976, 88.0)


def test_a_run_saved_without_the_best_evaluation_names_no_scores(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A trainer state that kept no best evaluation gives no scores rather than the last one's."""
    translate.report(_result(tmp_path, {}), False)
    assert capsys.readouterr().out.startswith("best validation loss 0.2500 nats/token at step 100 (300 steps")
