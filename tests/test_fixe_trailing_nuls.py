"""Text followed by a run of NUL bytes (a preallocated file, a copy cut short) is refused in one line naming the
line and byte offset where the NULs begin, by every reader alike; it read as text with the NULs as characters (a
language model learnt a '\\x00' symbol, a CSV's last row got them; ``decode_pieces`` refused only a file of NULs)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from rnnkit import cli
from rnnkit.data.utf8 import decode_pieces, decode_utf8, stdin_text
from rnnkit.errors import UserError

WHY = ("not text; was it cut short while being written (a download or a copy that did not finish)? "
       "Its first {start} bytes are the text (`truncate -s {start} FILE` keeps them)")

#: each task's data, text that the task reads, then 300 NULs
DATA = {"classify": b"text,label\ngood film,pos\nbad film,neg\nfine film,pos\nawful film,neg\n",
        "tag": b"a\tB\nb\tI\n\nc\tB\n", "charlm": b"hello world\n" * 8, "seq2seq": b"a b\tx y\nb c\ty z\n"}


@pytest.mark.parametrize("task", list(DATA))
def test_every_reader_refuses_text_that_ends_in_nuls(task: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    data, text = tmp_path / "t.csv", DATA[task]
    data.write_bytes(text + bytes(300))
    assert cli.main(["train", task, "--data", str(data), "--out", str(tmp_path / "out"), "--steps", "1"]) == 2
    line = text.count(b"\n") + 1
    start = len(text)
    assert capsys.readouterr().err == (f"rnnkit: error: {data}:{line}: the text ends in NUL bytes (0x00, 300 of them "
                                       f"from byte offset {start} on), {WHY.format(start=start)}\n")
    assert not (tmp_path / "out").exists()


def test_nuls_split_over_pieces_are_counted_whole_from_where_they_begin() -> None:
    with pytest.raises(UserError, match=r"^t\.txt:2: the text ends in NUL bytes \(0x00, 1,002 of them from byte "
                                        r"offset 2 on\)"):
        list(decode_pieces([b"a\n\0", bytes(300), bytes(700), b"\0"], "t.txt", newlines=True))


def test_nuls_that_text_follows_read_as_before_and_bad_bytes_keep_their_offset() -> None:
    assert "".join(decode_pieces([b"a\0", bytes(2), b"b\0", b"c"], "t.txt")) == "a\0\0\0b\0c"
    with pytest.raises(UserError, match=r"^t\.txt:1: not UTF-8 \(byte 0xe9 at column 4, byte offset 3\)"):
        list(decode_pieces([b"a\0\0", b"\xe9"], "t.txt"))


def test_only_nuls_is_still_said_so() -> None:
    with pytest.raises(UserError, match=r"^t\.txt: holds only NUL bytes \(0x00, 3 of them\)"):
        decode_utf8(bytes(3), "t.txt")


@pytest.mark.parametrize(("given", "said"), [
    (bytes(100), "standard input: holds only NUL bytes (0x00, 100 of them)"),
    (b"good\n" + bytes(100), "standard input:2: the text ends in NUL bytes (0x00, 100 of them from byte offset 5 on)")])
def test_standard_input_is_named_so(given: bytes, said: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``predict --file -`` and ``translate --file -`` read standard input (stdin_text): named, not ''."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(given)))
    with pytest.raises(UserError) as caught:
        stdin_text()
    assert str(caught.value).startswith(said)
