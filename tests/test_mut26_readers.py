"""Mutation audit round 26, the readers: a file that cannot be read is one whole line (``data.utf8.unreadable``) also
where a reader adds what it expected (score --file, the MNIST CSV) or names its flag (--pretrained-vectors); and the
refusal of text that ends in NULs writes a big offset with thousands separators but gives ``truncate`` the bare number,
on the text's first line too."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from rnnkit.data import mnist, utf8, vectors
from rnnkit.data.utf8 import decode_utf8
from rnnkit.errors import UserError
from rnnkit.tasks import _charlm_verbs


def _refusal(read: Any) -> str:
    with pytest.raises(UserError) as info:
        read()
    return str(info.value)


def test_a_score_file_whose_read_fails_says_what_file_takes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.txt"
    path.write_text("text\n", encoding="utf-8")

    class Failing(io.BytesIO):
        def read(self, *args: object) -> bytes:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(utf8, "open", lambda *args: Failing(), raising=False)
    assert _refusal(lambda: _charlm_verbs._read_score_file(str(path))) == (
        f"{path}: cannot read (Input/output error); --file takes a UTF-8 text file")


def test_a_damaged_mnist_csv_says_what_was_expected(tmp_path: Path) -> None:
    """A .gz that is no gzip has no system reason: the exception's own words stand in the brackets."""
    path = tmp_path / "digits.csv.gz"
    path.write_bytes(b"not gzip at all\n")
    assert _refusal(lambda: mnist._read_csv_cached(str(path))) == (
        f"{path}: cannot read (Not a gzipped file (b'no')); expected a gzip'd CSV of 784 pixels + label")


def test_a_vectors_file_that_cannot_be_read_names_its_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "v.vec"
    path.write_text("1 2\na 0.5 0.5\n", encoding="utf-8")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", denied)
    assert _refusal(lambda: vectors._open(path, "--pretrained-vectors")) == (
        f"--pretrained-vectors {path}: cannot read (Permission denied)")


def test_text_of_one_long_line_then_nuls_is_refused_at_its_offset() -> None:
    """The offset as 1,500 to read, and as 1500 where a command takes it; the first line is a line of text too (only a
    file of nothing but NULs is said to hold only NUL bytes)."""
    assert _refusal(lambda: decode_utf8(b"x" * 1500 + bytes(5), "t.txt")) == (
        "t.txt:1: the text ends in NUL bytes (0x00, 5 of them from byte offset 1,500 on), not text; was it cut short "
        "while being written (a download or a copy that did not finish)? Its first 1,500 bytes are the text "
        "(`truncate -s 1500 FILE` keeps them)")


@pytest.mark.parametrize(("pieces", "said"), [
    ([b"hello world\xc3" + bytes(30)], "t.txt:1: the text ends in NUL bytes (0x00, 30 of them from byte offset 12 on, "
     "after 1 byte of a character cut short), not text; was it cut short while being written (a download or a copy "
     "that did not finish)? Its first 11 bytes are the text (`truncate -s 11 FILE` keeps them)"),
    ([b"hello\nworld \xe2", b"\x82", bytes(300)], "t.txt:2: the text ends in NUL bytes (0x00, 300 of them from byte "
     "offset 14 on, after 2 bytes of a character cut short), not text; was it cut short while being written (a "
     "download or a copy that did not finish)? Its first 12 bytes are the text (`truncate -s 12 FILE` keeps them)")])
def test_nuls_that_cut_a_character_short_leave_it_out_of_the_text_to_keep(pieces: list[bytes], said: str) -> None:
    """A copy that stopped inside a character: `truncate -s 12` as advised kept half of it, and the file was then
    refused as not UTF-8 (byte 0xc3 at its end)."""
    from rnnkit.data.utf8 import decode_pieces

    assert _refusal(lambda: list(decode_pieces(pieces, "t.txt"))) == said
    assert decode_utf8(b"".join(pieces)[:int(said.split("truncate -s ")[1].split()[0])], "t.txt")  # is text
