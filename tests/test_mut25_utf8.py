"""Mutation audit round 25, utf8's file of NULs (decode_pieces holds back the NULs that begin a file, counting them,
and refuses a file of nothing else): NULs that begin a file of text read, in whatever pieces the file comes (a file
is read 16 MiB at a time), exactly as the whole file read at once does, and so do its errors."""

from __future__ import annotations

import itertools

import pytest

from rnnkit.data.utf8 import decode_pieces, decode_utf8
from rnnkit.errors import UserError

#: files that begin with NULs and hold something else: a letter, a BOM after them (no BOM then, but a character of
#: the text), blanks (no empty file), a line end (then a letter: a text that ends in NULs is refused as cut short,
#: tests/test_fixe_trailing_nuls.py), and a byte that is not UTF-8 (its column and offset count them)
TEXTS = [b"\0a", b"\0\0a", b"\0\xef\xbb\xbfa", b"\0  \n", b"\0\r\n\0a", b"\0\0\xff", b"\0\nab\xe9"]


def read(pieces: list[bytes]) -> str:
    """The pieces' text, or the one line that refuses them."""
    try:
        return "".join(decode_pieces(pieces, "t.txt", newlines=True, empty="UTF-8 text"))
    except UserError as exc:
        return f"refused: {exc}"


def splits(raw: bytes) -> list[list[bytes]]:
    """``raw`` cut into two or three pieces at every place."""
    cuts = [list(c) for n in (1, 2) for c in itertools.combinations(range(1, len(raw)), n)]
    return [[raw[a:b] for a, b in zip([0, *cut], [*cut, len(raw)], strict=True)] for cut in cuts]


@pytest.mark.parametrize("raw", TEXTS)
def test_nuls_that_begin_a_text_read_alike_in_any_pieces(raw: bytes) -> None:
    whole = read([raw])
    assert not whole.startswith("refused: t.txt: holds only NUL bytes")
    for pieces in splits(raw):
        assert read(pieces) == whole, pieces


def test_what_those_texts_read_as() -> None:
    """The judge of the test above, written out: what each file is, read at once."""
    assert [read([raw]) for raw in TEXTS] == [
        "\0a", "\0\0a", "\0\ufeffa", "\0  \n", "\0\n\0a",
        "refused: t.txt:1: not UTF-8 (byte 0xff at column 3, byte offset 2); save the file as UTF-8, e.g. "
        "`iconv -f latin1 -t utf-8` (`-f cp949` for Korean)",
        "refused: t.txt:2: not UTF-8 (byte 0xe9 at column 3, byte offset 4); save the file as UTF-8, e.g. "
        "`iconv -f latin1 -t utf-8` (`-f cp949` for Korean)"]


def test_a_file_that_begins_with_nuls_and_ends_in_a_letter_is_text() -> None:
    assert decode_utf8(b"\0" * 300 + b"a", "t.txt") == "\0" * 300 + "a"


def test_nul_pieces_then_an_empty_piece_are_refused_as_nuls() -> None:
    with pytest.raises(UserError, match=r"^t\.txt: holds only NUL bytes \(0x00, 3 of them\)"):
        "".join(decode_pieces([b"\0", b"", b"\0\0", b""], "t.txt"))


def test_a_file_of_one_nul_is_refused_as_one() -> None:
    with pytest.raises(UserError, match=r"^t\.txt: holds only NUL bytes \(0x00, 1 of them\)"):
        decode_utf8(b"\0", "t.txt")
