"""walk52: a two-label model refuses ``--threshold`` (it is a multi-label model's), and the refusal now says how a
scam detector's user cuts one label's probability where they want (it said only that it was refused)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError
from rnnkit.tasks._classify_trained import TextClassifier


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny two-label model trained on Korean labels (사기/정상) for one step."""
    root = tmp_path_factory.mktemp("walk52")
    rows = [("금융감독원 안전계좌 이체", "사기"), ("엄마 나 늦어", "정상")] * 4
    with open(root / "calls.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("text", "label"), *rows])
    rnnkit.fit("classify", data=str(root / "calls.csv"), val_data=str(root / "calls.csv"), out=root / "run",
               steps=1, hidden=4, embedding=4, autotune=False, progress=False, verbose=False)
    return root


def test_threshold_refused_on_two_labels_names_the_probability_columns_to_cut(
        detector: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", str(detector / "run"), "--threshold", "0.3", "여보세요"]) == 2
    said = capsys.readouterr().err
    assert "--threshold 0.3: applies only to a multi-label model" in said
    assert "compare its p_사기 or p_정상 with your cut-off: `predict --file` writes them" in said
    # and it does: the columns the refusal names are in predict --file's output
    out = detector / "scored.csv"
    assert main(["predict", str(detector / "run"), "--file", str(detector / "calls.csv"), "--output", str(out)]) == 0
    assert {"p_사기", "p_정상"} <= set(next(csv.reader(open(out, encoding="utf-8"))))


def test_three_labels_get_no_two_label_advice() -> None:
    model = TextClassifier.__new__(TextClassifier)
    model.config, model.labels = {"multi_label": False}, ["a", "b", "c"]
    with pytest.raises(SettingError) as err:
        model.threshold(0.3, predicting=True)
    assert "p_a" not in str(err.value) and str(err.value).endswith("to each text")
