"""Labels that are one class written two ways (``Scam`` and ``scam`` in an Excel sheet typed by hand, ``1`` and
``1.0`` from two exports): rnnkit trains them as classes of their own, as fastText does, and now says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FLAGS = ["--steps", "1", "--hidden", "4", "--embedding", "4", "--no-progress", "--save-minutes", "0", "--threads", "1"]


def write_calls(path: Path, scam: list[str]) -> Path:
    """A CSV of 30 calls, the scam calls labelled with ``scam``'s spellings in turn."""
    rows = ["text,label"]
    for i in range(30):
        if i % 3 == 0:
            rows.append(f"안전계좌로 이체하세요 {i},{scam[i % len(scam)]}")
        else:
            rows.append(f"엄마 저녁 먹고 갈게 {i},normal")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_groups_are_case_and_number_spellings_only() -> None:
    from rnnkit.data.tabular import label_spellings

    assert label_spellings(["scam", "Scam", "normal", "SCAM", "Normal2"]) == [["SCAM", "Scam", "scam"]]
    assert label_spellings(["1", "1.0", "01", "0", "-1"]) == [["01", "1", "1.0"]]
    assert label_spellings(["spam", "ham", "1", "one"]) == []


def test_train_warns_of_a_label_written_in_two_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It trained four classes ('Scam', 'normal', 'scam') without a word; now a warning names both spellings
    and the line each is first met on."""
    data = write_calls(tmp_path / "calls.csv", ["scam", "Scam"])
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), *FLAGS]) == 0
    err = capsys.readouterr().err
    assert (f"rnnkit: warning: column 'label': the labels 'Scam' ({data}:5) and 'scam' ({data}:2) differ only in "
            "case; they are 2 classes") in err


def test_train_warns_of_a_number_written_two_ways(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_calls(tmp_path / "calls.csv", ["1", "1.0"])
    data.write_text(data.read_text(encoding="utf-8").replace(",normal", ",0"), encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), *FLAGS]) == 0
    assert (f"the labels '1' ({data}:2) and '1.0' ({data}:5) differ only in how the number is written; they are "
            "2 classes") in capsys.readouterr().err


def test_one_spelling_trains_without_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_calls(tmp_path / "calls.csv", ["scam"])
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), *FLAGS]) == 0
    assert "warning" not in capsys.readouterr().err


def test_evaluate_names_the_training_spelling_of_an_unknown_label(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A test file labelled 'Scam' where training said 'scam' was refused as an unknown label only."""
    data = write_calls(tmp_path / "calls.csv", ["scam"])
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), *FLAGS]) == 0
    test = write_calls(tmp_path / "test.csv", ["Scam"])
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "run"), "--data", str(test)]) == 2
    assert capsys.readouterr().err.strip().endswith(
        "label 'Scam' is not one of the model's labels: 'normal', 'scam'; it differs from the "
        "training label 'scam' only in case: write it 'scam'")
