"""``CharLM.score(Path("act5.txt"))`` was a bare "score takes a text or a list of texts, not PosixPath", and the
docs' ``lm.score(open(f).read())`` kept a UTF-8 BOM (and CRLF line ends) that training's reader drops. A Path is
now read as training reads its file, and scores as that text does, its record naming the file as
``rnnkit score --file`` does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "the cat sat on the mat\nthe dog sat on the log\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("lm")
    data = tmp / "c.txt"
    data.write_text(TEXT * 10, encoding="utf-8")
    out = tmp / "lm"
    assert main(["train", "charlm", "--data", str(data), "--out", str(out), "--steps", "1", "--hidden", "8",
                 "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--no-progress", "--json"]) == 0
    return out


def test_a_path_is_read_as_training_reads_a_file(run: Path, tmp_path: Path) -> None:
    lm = rnnkit.load(run)
    path = tmp_path / "with bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode())  # Notepad's UTF-8
    got = lm.score(path)
    want = lm.score(TEXT)
    assert got["file"] == str(path) and "text" not in got
    assert {k: v for k, v in got.items() if k != "file"} == {k: v for k, v in want.items() if k != "text"}


def test_paths_in_a_list_are_read_in_their_place(run: Path, tmp_path: Path) -> None:
    lm = rnnkit.load(run)
    path = tmp_path / "a.txt"
    path.write_text("the log", encoding="utf-8")
    first, second = lm.score(["the cat", path])
    assert first["text"] == "the cat" and second["file"] == str(path)
    assert second["log_prob"] == lm.score("the log")["log_prob"]


def test_the_python_record_is_the_command_lines(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    capsys.readouterr()
    assert main(["score", str(run), "--file", str(path), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)["results"][0]
    assert printed == rnnkit.load(run).score(path)


def test_a_missing_path_says_what_score_takes(run: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no such file.*score takes a text \(str\), a list of texts, or the Path"):
        rnnkit.load(run).score(tmp_path / "nowhere.txt")
