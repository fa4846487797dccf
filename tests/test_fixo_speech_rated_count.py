"""``rnnkit train speech``'s closing line gave the error rate of the first ``--eval-utterances`` validation utterances
as though of all of them (only ``-h`` said so): ``CER 0.2500`` of 200 among 1,000. The line now says ``on 200 of
1,000 validation utterances`` where it is a part, and ``--json`` has both counts (``eval_utterances``,
``val_utterances``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.tasks import speech
from rnnkit.tasks._speech_config import SpeechResult
from rnnkit.train.trainer import TrainResult

pytestmark = pytest.mark.usefixtures("one_torch_thread")

EVAL = {"loss": 1.5, "cer": 0.25, "wer": 0.5}


def _result(tmp_path: Path, rated: int, validation: int) -> SpeechResult:
    (tmp_path / "best").mkdir(exist_ok=True)
    return SpeechResult(best_metric=1.5, best_step=3, metric="loss", steps=4, seconds=1.0, tokens=10,
                        tokens_per_s=1.0, stopped="steps", out_dir=tmp_path, last_eval=EVAL, best_eval=EVAL,
                        rated=rated, validation=validation)


def test_a_rate_of_some_validation_utterances_says_how_many(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    speech.report(_result(tmp_path, 200, 1000), False)
    line = capsys.readouterr().out
    assert line.startswith("best validation loss 1.5000 nats/symbol at step 3, CER 0.2500 on 200 of 1,000 validation "
                           "utterances (4 steps"), line
    speech.report(_result(tmp_path, 200, 1000), True)
    doc = json.loads(capsys.readouterr().out)
    assert (doc["eval_utterances"], doc["val_utterances"], doc["best_val_cer"]) == (200, 1000, 0.25)


def test_a_rate_of_all_of_them_says_nothing_more(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speech.report(_result(tmp_path, 40, 40), False)
    assert capsys.readouterr().out.startswith("best validation loss 1.5000 nats/symbol at step 3, CER 0.2500 (4 steps")


@pytest.mark.slow
def test_a_run_returns_how_many_it_rated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from test_speech import _tone_corpus

    from rnnkit.cli import main

    train, val = _tone_corpus(tmp_path / "train", 4, 0), _tone_corpus(tmp_path / "val", 3, 1)
    assert main(["train", "speech", "--data", str(train), "--val-data", str(val), "--out", str(tmp_path / "run"),
                 "--symbols", "chars", "--steps", "1", "--hidden", "8", "--layers", "1", "--n-mels", "20",
                 "--subsample", "4", "--batch-size", "4", "--eval-utterances", "2", "--no-progress",
                 "--threads", "1"]) == 0
    assert " on 2 of 3 validation utterances (1 step" in capsys.readouterr().out
    config = speech.SpeechConfig(steps=2, batch_size=4, eval_utterances=5)  # more than there are
    result = speech.train(config, None, tmp_path / "run", resume=True, verbose=False, progress=False)
    assert isinstance(result, TrainResult) and (result.rated, result.validation) == (3, 3)
