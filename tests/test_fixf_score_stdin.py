"""``rnnkit score RUN --file -`` scores standard input, whole, as one text, as predict's and translate's ``--file -``
read it; it was a file named ``-`` ("-: no such file; --file takes a UTF-8 text file")."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main

TEXT = "the cat sat on the mat\nthe dog ran\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lm")
    (folder / "t.txt").write_text(TEXT * 30)
    rnnkit.fit("charlm", data=str(folder / "t.txt"), out=str(folder / "run"), steps=1, hidden=8, batch_size=2,
               seq_len=8, verbose=False)
    return folder / "run"


def _score(run: Path, args: list[str], stdin: str, capsys: pytest.CaptureFixture[str],
           monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8"))
    code = main(["score", str(run), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_file_dash_scores_standard_input_as_the_file_would(run: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "same.txt").write_text(TEXT)
    code, out, _ = _score(run, ["--file", "-", "--file", str(tmp_path / "same.txt"), "--json"], TEXT, capsys,
                          monkeypatch)
    assert code == 0
    piped, named = json.loads(out)["results"]
    assert piped["file"] == "-" and piped["chars"] == named["chars"] == len(TEXT)
    assert piped["log_prob"] == pytest.approx(named["log_prob"])


@pytest.mark.parametrize(("args", "refusal"), [
    (["--file", "-"], "--file -: standard input is empty; expected the UTF-8 text to score"),
    (["--file", "-", "--file", "-"], "--file - is given twice: standard input is read once, as one text"),
])
def test_an_empty_or_twice_read_standard_input_is_refused(run: Path, args: list[str], refusal: str,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _score(run, args, "", capsys, monkeypatch)
    assert (code, out, err) == (2, "", f"rnnkit: error: {refusal}\n")
