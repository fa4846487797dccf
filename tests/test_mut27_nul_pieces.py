"""Mutation round 27 of decode_pieces's held NULs given on a chunk at a time: a character that the held NULs cut
short is refused at its own byte offset, counted from the bytes given to the decoder (the NULs given so far), not
from every byte read (the NULs not yet given made the offset one too many)."""

from __future__ import annotations

import pytest

from rnnkit.data import utf8
from rnnkit.errors import UserError


def test_a_character_cut_short_by_held_nuls_is_refused_at_its_own_offset() -> None:
    chunks = [b"ab\xc3\0", b"x"]  # the NUL is held back with the chunk's end; 'x' follows it in the next chunk
    with pytest.raises(UserError, match=r"^t.txt:1: not UTF-8 \(byte 0xc3 at column 3, byte offset 2\);"):
        list(utf8.decode_pieces(chunks, "t.txt"))
