"""The classifier keeps the checkpoint of the lowest validation loss (not of the highest accuracy), reports
the accuracy there, and resumes a run that an older rnnkit kept by accuracy."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
import shutil
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

POS, NEG = ["good", "great", "fine", "nice", "좋아요"], ["bad", "awful", "poor", "sad", "싫어요"]
FILLERS = ["the", "a", "film", "영화", "so", "it", "was"]


def noisy_csv(path: Path, n: int, seed: int, flip: float = 0.25) -> Path:
    """One polar word among fillers, a quarter of the labels flipped: the validation accuracy stalls
    while the loss still moves, so the two criteria pick different steps."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        for i in range(n):
            positive = i % 2 == 0
            words = rng.sample(POS if positive else NEG, 1) + rng.sample(FILLERS, 3)
            rng.shuffle(words)
            w.writerow([" ".join(words), "pos" if positive == (rng.random() > flip) else "neg"])
    return path


def evaluations(out: Path) -> list[dict]:
    return [r for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines()) if "val_loss" in r]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("keep")
    out = tmp / "run"
    argv = ["train", "classify", "--data", str(noisy_csv(tmp / "train.csv", 80, 0)), "--out", str(out),
            "--steps", "60", "--embedding", "16", "--hidden", "16", "--eval-every", "3", "--lr", "0.03",
            "--pooling", "mean", "--device", "cpu", "--no-progress", "--json"]  # the CPU's numbers, GPU or not
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(argv) == 0
    return out, json.loads(buf.getvalue().strip().splitlines()[-1])


def test_the_kept_checkpoint_has_the_lowest_validation_loss(run: tuple[Path, dict]) -> None:
    out, summary = run
    evals = evaluations(out)
    lowest = min(evals, key=lambda r: r["val_loss"])           # the first of equal losses
    most_accurate = max(evals, key=lambda r: r["val_accuracy"])  # what an older rnnkit kept
    assert lowest["step"] != most_accurate["step"], "the data no longer tells the two criteria apart"
    assert summary["best_step"] == lowest["step"]
    assert summary["best_val_loss"] == pytest.approx(lowest["val_loss"])
    assert summary["best_val_accuracy"] == pytest.approx(lowest["val_accuracy"])
    assert summary["kept_by"] == "lowest validation loss"
    state = json.loads((out / "best" / "trainer_state.json").read_text())
    assert (state["metric"], state["mode"], state["best_step"]) == ("loss", "min", lowest["step"])
    assert state["best_eval"]["accuracy"] == pytest.approx(lowest["val_accuracy"])


def test_the_closing_line_names_the_loss_and_the_accuracy_there(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["train", "classify", "--data", str(noisy_csv(tmp_path / "t.csv", 40, 1)), "--out", str(tmp_path / "o"),
            "--steps", "6", "--eval-every", "3", "--embedding", "8", "--hidden", "8", "--no-progress"]
    assert main(argv) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("best validation loss ") and ", validation accuracy " in line


def test_a_run_kept_by_accuracy_resumes_and_the_next_evaluation_becomes_the_best(
        run: tuple[Path, dict], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "old"
    shutil.copytree(run[0], out)
    for saved in ("last", "best"):  # as an older rnnkit wrote them (a resume reads the best from best/)
        path = out / saved / "trainer_state.json"
        state = json.loads(path.read_text())
        state.pop("best_eval")
        state.update(metric="accuracy", mode="max", best_metric=0.99, best_step=3)
        path.write_text(json.dumps(state))
    assert main(["train", "classify", "--resume", str(out), "--steps", "63", "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "kept its best checkpoint by accuracy" in captured.err
    assert " at step 63, " in captured.out.strip().splitlines()[-1]  # an accuracy of 0.99 is no loss to beat
    assert json.loads((out / "best" / "trainer_state.json").read_text())["metric"] == "loss"
