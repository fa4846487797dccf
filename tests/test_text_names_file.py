"""A TEXT argument that names an existing file (``rnnkit predict DIR notes.csv``, a user who meant ``--file``) was
read as the text itself, unsaid: the model classified, tagged, translated or scored the nine characters of the
name. Each such argument is warned of, naming ``--file``; the text is still read as given (a word may be a
text and a file's name at once), and a text that names no file is not warned of."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnnkit.cli import main
from tests.test_classify_cli import make_csv
from tests.test_seq2seq import dates_run

pytestmark = [pytest.mark.usefixtures("one_torch_thread"), pytest.mark.filterwarnings("ignore:.* unknown to the model")]
SMALL = ["--steps", "1", "--no-progress", "--save-minutes", "0"]


def _said(capsys: pytest.CaptureFixture[str], name: str, place: str = "1 of 2") -> str:
    out, err = capsys.readouterr()
    assert (f"rnnkit: warning: TEXT argument {place} ({name}) names a file; it is read as the text itself "
            f"(give --file {name} to read the file)") in err.splitlines()
    assert err.count("names a file") == 1  # the other text names no file
    return out


def test_predict_of_a_classifier(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make_csv(tmp_path / "d.csv", 24, 0)
    assert main(["train", "classify", "--data", "d.csv", "--out", "m", "--hidden", "4", "--embedding", "4",
                 *SMALL]) == 0
    capsys.readouterr()
    assert main(["predict", "m", "d.csv", "a good film"]) == 0
    out = _said(capsys, "d.csv")
    assert out.splitlines()[0].endswith("\td.csv")  # still the name, classified as asked


def test_score_of_a_language_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 30, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(text), "--out", str(tmp_path / "m"), "--hidden", "8",
                 *SMALL]) == 0
    capsys.readouterr()
    assert main(["score", str(tmp_path / "m"), "the fox", str(text)]) == 0
    _said(capsys, str(text), "2 of 2")


def test_translate_and_a_tagger(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    data, run = dates_run(tmp_path, 20, 0, *SMALL)
    monkeypatch.chdir(data.parent)
    capsys.readouterr()
    assert main(["translate", str(run), data.name, "march 3 1999"]) == 0
    _said(capsys, data.name)
    conll = tmp_path / "t.conll"
    conll.write_text("the\tDET\ndog\tNOUN\n\na\tDET\ncat\tNOUN\n\n" * 6, encoding="utf-8")
    assert main(["train", "tag", "--data", str(conll), "--out", str(tmp_path / "tagger"), "--hidden", "4",
                 "--embedding", "4", *SMALL]) == 0
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "tagger"), "the dog", "t.conll"]) == 0
    _said(capsys, "t.conll", "2 of 2")


def test_a_folder_or_a_text_that_names_nothing_is_not_warned_of(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    make_csv(tmp_path / "d.csv", 24, 0)
    assert main(["train", "classify", "--data", str(tmp_path / "d.csv"), "--out", str(tmp_path / "m"), "--hidden",
                 "4", "--embedding", "4", *SMALL]) == 0
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m"), str(tmp_path), "x" * (os.pathconf("/", "PC_NAME_MAX") + 1)]) == 0
    assert "warning" not in capsys.readouterr().err
