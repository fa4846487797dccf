"""``rnnkit train seq2seq`` and ``train caption`` score exact match and BLEU on the first ``--eval-sentences`` /
``--eval-images`` validation items only, and their closing lines gave the scores as though of all of them (speech's
said ``on 200 of 1,000 validation utterances``): all three now say it with one helper (``scored_part``). And the
count is the kept evaluation's own, recorded with its scores (``decoded``): a run resumed with another
``--eval-utterances`` (``--eval-sentences``, ``--eval-images``) and no new best said the new count beside the old
best's rate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.tasks import caption, speech, translate
from rnnkit.tasks.translate import DECODED, DecodedResult

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TASKS = [(translate, "pairs", "eval_sentences"), (caption, "images", "eval_images"),
         (speech, "utterances", "eval_utterances")]


def _result(tmp_path: Path, best_eval: dict[str, float], rated: int, validation: int) -> DecodedResult:
    (tmp_path / "best").mkdir(exist_ok=True)
    scores = {"loss": 0.25, "exact_match": 0.5, "bleu": 41.0, "cer": 0.25, "wer": 0.5, **best_eval}
    return DecodedResult(best_metric=0.25, best_step=3, metric="loss", steps=4, seconds=1.0, tokens=10,
                         tokens_per_s=1.0, stopped="steps", out_dir=tmp_path, last_eval=scores, best_eval=scores,
                         rated=rated, validation=validation)


@pytest.mark.parametrize(("task", "noun", "key"), TASKS)
def test_the_kept_scores_say_the_count_they_were_measured_on(task, noun: str, key: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The kept evaluation decoded 50; this run's setting (80) is not what its scores are of."""
    result = _result(tmp_path, {DECODED: 50.0}, rated=80, validation=1000)
    task.report(result, False)
    line = capsys.readouterr().out
    assert f" on 50 of 1,000 validation {noun} (4 steps" in line, line
    task.report(result, True)
    doc = json.loads(capsys.readouterr().out)
    assert (doc[key], doc[f"val_{noun}"]) == (50, 1000)


@pytest.mark.parametrize(("task", "noun", "key"), TASKS)
def test_a_best_kept_before_the_count_was_recorded_says_the_runs_setting(task, noun: str, key: str,
                                                                         tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    task.report(_result(tmp_path, {}, rated=80, validation=1000), False)
    assert f" on 80 of 1,000 validation {noun} (4 steps" in capsys.readouterr().out


@pytest.mark.parametrize(("task", "noun", "key"), TASKS)
def test_scores_of_every_item_say_no_count(task, noun: str, key: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    task.report(_result(tmp_path, {DECODED: 40.0}, rated=40, validation=40), False)
    assert f" validation {noun}" not in capsys.readouterr().out


def test_a_resumed_run_with_another_count_and_no_new_best_names_the_kept_count(tmp_path: Path,
                                                                               capsys: pytest.CaptureFixture[str]
                                                                               ) -> None:
    pairs = [("a b", "x y"), ("b a", "y x"), ("a a", "x x"), ("b b", "y y")]
    train, val = tmp_path / "train.tsv", tmp_path / "val.tsv"
    train.write_text("".join(f"{s}\t{t}\n" for s, t in pairs), encoding="utf-8")
    val.write_text("".join(f"{s}\t{t}\n" for s, t in pairs[:3]), encoding="utf-8")
    run = ["train", "seq2seq", "--data", str(train), "--val-data", str(val), "--out", str(tmp_path / "run"),
           "--hidden", "4", "--embedding", "4", "--steps", "1", "--no-progress", "--threads", "1"]
    assert main([*run, "--eval-sentences", "2"]) == 0
    assert " on 2 of 3 validation pairs (1 step" in capsys.readouterr().out
    log = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["val_decoded"] for r in log if "val_loss" in r] == [2]
    # --steps 1 again: nothing more to train, so the kept evaluation (of 2 pairs) is the one the line names
    assert main(["train", "seq2seq", "--resume", str(tmp_path / "run"), "--steps", "1", "--eval-sentences", "3",
                 "--no-progress", "--threads", "1"]) == 0
    assert " on 2 of 3 validation pairs (1 step" in capsys.readouterr().out
