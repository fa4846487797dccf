"""A file of only NUL bytes (a download or a copy cut short) is refused for what it is, in the one UTF-8 reading
path, by every reader alike; before, it read as text: a missing column of '\\x00\\x00…' (a table), a malformed row
(a tagged file, pairs), a language model trained on NULs (charlm)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit import cli
from rnnkit.data.utf8 import decode_pieces, decode_utf8
from rnnkit.errors import UserError

LINE = "holds only NUL bytes (0x00, 1,000 of them), not text; was it cut short while being written"


@pytest.mark.parametrize("task", ["classify", "tag", "charlm", "seq2seq"])
def test_every_reader_names_a_file_of_nuls(task: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "t.csv"
    data.write_bytes(bytes(1000))
    assert cli.main(["train", task, "--data", str(data), "--out", str(tmp_path / "out"), "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert f"{data}: {LINE}" in err and "\\x00" not in err
    assert not (tmp_path / "out").exists()


def test_nuls_in_pieces_are_counted_whole() -> None:
    with pytest.raises(UserError, match=r"^t\.txt: holds only NUL bytes \(0x00, 1,000 of them\)"):
        list(decode_pieces([bytes(300), bytes(700)], "t.txt", newlines=True))


def test_nuls_before_text_read_as_before() -> None:
    assert "".join(decode_pieces([bytes(2), bytes(1), b"ab\r", b"\nc"], "t.txt", newlines=True)) == "\0\0\0ab\nc"
    assert decode_utf8(b"a\0\0b", "t.txt") == "a\0\0b"  # NULs that end the text are refused: test_fixe_trailing_nuls


def test_an_empty_file_is_still_told_as_empty() -> None:
    with pytest.raises(UserError, match=r"t\.txt: the file is empty; expected UTF-8 text"):
        decode_utf8(b"", "t.txt", empty="UTF-8 text")
