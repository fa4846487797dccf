"""A ``--pooling tfidf`` classifier counts its idf from the training texts when the run begins and keeps it with
its weights, so a run resumed with another ``--data`` went on with the first data's idf, unsaid. Such a resume now
warns once, naming the pooling and the data the idf stays that of (also at a later resume, when the run's record
names the new data); the saved idf buffer is the same before and after."""

from __future__ import annotations

from pathlib import Path

import pytest
from safetensors.torch import load_file

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FIRST = "text,label\n" + "a fine warm film,pos\na dull cold film,neg\n" * 10
OTHER = "text,label\n" + "great acting here,pos\nboring plot there,neg\nlovely,pos\nawful,neg\n" * 5
FLAGS = ["--layers", "0", "--pooling", "tfidf", "--embedding", "8", "--batch-size", "4", "--no-progress"]


def _idf(run: Path) -> list[float]:
    return load_file(str(run / "last" / "model.safetensors"))["idf"].tolist()


def _warnings(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if "--pooling tfidf" in line]


def test_a_resume_on_other_data_says_the_idf_stays(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("first.csv").write_text(FIRST, encoding="utf-8")
    Path("other.csv").write_text(OTHER, encoding="utf-8")
    assert main(["train", "classify", "--data", "first.csv", "--out", "run", "--steps", "2", *FLAGS]) == 0
    idf = _idf(tmp_path / "run")
    assert _warnings(capsys) == []
    assert main(["train", "classify", "--resume", "run", "--steps", "3", "--no-progress"]) == 0
    assert _warnings(capsys) == []  # its own data: nothing to say
    assert main(["train", "classify", "--resume", "run", "--data", "other.csv", "--steps", "4", "--no-progress"]) == 0
    said = ("rnnkit: warning: other.csv: --pooling tfidf: the idf stays that of the training data it was counted on "
            "when the run began (first.csv); a resumed run keeps its idf: train a new run (another --out) to count it "
            "on this data")
    assert _warnings(capsys) == [said]
    assert _idf(tmp_path / "run") == idf
    # resumed again on the other data, which the run's record now names: the idf is still the first data's
    assert main(["train", "classify", "--resume", "run", "--data", "other.csv", "--steps", "5", "--no-progress"]) == 0
    assert _warnings(capsys) == [said]
    assert main(["train", "classify", "--resume", "run", "--data", "first.csv", "--steps", "6", "--no-progress"]) == 0
    assert _warnings(capsys) == [] and _idf(tmp_path / "run") == idf


def test_another_pooling_resumed_on_other_data_says_nothing_of_an_idf(tmp_path: Path, capsys,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("first.csv").write_text(FIRST, encoding="utf-8")
    Path("other.csv").write_text(OTHER, encoding="utf-8")
    flags = [f if f != "tfidf" else "mean" for f in FLAGS]
    assert main(["train", "classify", "--data", "first.csv", "--out", "run", "--steps", "2", *flags]) == 0
    assert main(["train", "classify", "--resume", "run", "--data", "other.csv", "--steps", "3", "--no-progress"]) == 0
    assert "idf" not in capsys.readouterr().err
