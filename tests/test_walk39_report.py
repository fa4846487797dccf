"""``rnnkit report`` of a named-entity tagger, as ``rnnkit evaluate`` scores it: a tag the model does not know is
refused naming its line (the report said only the file, where evaluate names file, line and column)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SENTENCES = [[("John", "B-PER"), ("Smith", "I-PER"), ("lives", "O"), ("here", "O")],
             [("Mary", "B-PER"), ("sat", "O"), ("John", "B-PER"), (".", "O")]]


def write(path: Path, sentences: list[list[tuple[str, str]]]) -> Path:
    path.write_text("\n\n".join("\n".join(f"{w}\t{t}" for w, t in s) for s in sentences) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("ner")
    data = write(tmp / "train.conll", SENTENCES * 4)
    out = tmp / "run"
    assert main(["train", "tag", "--data", str(data), "--out", str(out), "--steps", "1", "--hidden", "4",
                 "--embedding", "4", "--char-hidden", "2", "--no-progress", "--threads", "1"]) == 0
    return out


def test_report_names_the_line_of_a_tag_the_model_does_not_know(run: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    test = write(tmp_path / "test.conll", [SENTENCES[0], [("Paris", "B-LOC"), ("sat", "O")]])
    capsys.readouterr()
    assert main(["report", str(run), "--data", str(test), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert f"{test}:6: column 2 (tag): tag 'B-LOC' is not one the model knows" in err
    assert main(["evaluate", str(run), "--data", str(test)]) == 2
    assert capsys.readouterr().err == err  # evaluate's own words
