"""The closing line of ``rnnkit train classify`` on imbalanced labels: a detector that calls every call normal,
on a validation split of 5 % scam calls, read "validation accuracy 0.95" and nothing else; the line now gives
the kept checkpoint's macro-F1 beside it (scikit-learn's ``f1_score(average="macro")``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FLAGS = ["--hidden", "4", "--embedding", "4", "--no-progress", "--save-minutes", "0", "--threads", "1",
         "--eval-every", "1", "--val-fraction", "0.5"]


def imbalanced(path: Path) -> Path:
    """40 calls, 2 of them scam: two steps of a tiny model call every call normal."""
    rows = ["text,label"] + [f"안전계좌로 이체 {i},scam" if i % 20 == 0 else f"엄마 저녁 {i},normal" for i in range(40)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def evaluated(out: Path) -> dict:
    """The validation scores of the step kept (metrics.jsonl's line of the best step)."""
    step = json.loads((out / "last" / "trainer_state.json").read_text())["best_step"]
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return next(r for r in rows if r.get("step") == step and "val_macro_f1" in r)


@pytest.mark.parametrize("keep_by", ["loss", "accuracy"])
def test_the_closing_line_gives_the_macro_f1_beside_the_accuracy(tmp_path: Path, keep_by: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(imbalanced(tmp_path / "calls.csv")), "--out", str(out),
                 "--steps", "2", "--keep-by", keep_by, *FLAGS]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    at = evaluated(out)
    assert at["val_macro_f1"] < at["val_accuracy"]  # the rare label missed: what the accuracy alone hides
    assert f"accuracy {at['val_accuracy']:.4f}" in line
    assert f", macro-F1 {at['val_macro_f1']:.4f} (2 steps, " in line


def test_the_json_summary_gives_the_kept_checkpoints_macro_f1(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(imbalanced(tmp_path / "calls.csv")), "--out", str(out),
                 "--steps", "2", "--json", *FLAGS]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["best_val_macro_f1"] == evaluated(out)["val_macro_f1"]


def test_kept_by_macro_f1_the_line_names_it_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "classify", "--data", str(imbalanced(tmp_path / "calls.csv")), "--out",
                 str(tmp_path / "run"), "--steps", "2", "--keep-by", "macro_f1", *FLAGS]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("best validation macro-F1 ") and line.count("macro-F1") == 1
