"""NULs that text follows are given on a chunk's worth at a time, as the rest of a text is: the refusal of NULs that
end a text held every run of them back and gave it on at once, so a run of gigabytes of NULs inside a text (a
download filled in segments) was one bytes object, one string and one piece of that size (review32)."""
from __future__ import annotations

import pytest

from rnnkit.data import utf8
from rnnkit.errors import UserError


def test_a_run_of_nuls_that_text_follows_goes_on_in_chunk_sized_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(utf8, "CHUNK_BYTES", 4)
    chunks = [b"a line of text\n\0\0", b"\0\0\0\0", b"\0\0\0\0", b"\0\0c\r", b"\nd"]  # 12 NULs, then 'c'
    pieces = list(utf8.decode_pieces(chunks, "t.txt", newlines=True))
    assert "".join(pieces) == "a line of text\n" + "\0" * 12 + "c\nd"
    assert max(piece.count("\0") for piece in pieces) <= 4, pieces


def test_the_place_of_a_bad_byte_after_held_nuls_counts_them() -> None:
    chunks = [b"a line\n\0", b"\0\0", b"\0b\xff"]  # 4 NULs, then 'b' at column 5 of line 2, the bad byte at 6
    with pytest.raises(UserError, match=r"^t.txt:2: not UTF-8 \(byte 0xff at column 6, byte offset 12\)"):
        list(utf8.decode_pieces(chunks, "t.txt"))
