"""Mutation audit round 24 of the UTF-16 guess (rnnkit.data.utf8.decode_pieces): it is made where the byte that is not
UTF-8 lies within the sampled first 256 bytes, its last one included, and not from the byte just past them."""

from __future__ import annotations

import pytest

from rnnkit.data.utf8 import decode_utf8
from rnnkit.errors import UserError

#: 255 bytes of NUL-separated fields: UTF-8, and text read as UTF-16 too
FIELDS = (b"key\x00value\x00" * 30)[:255]


def test_a_bad_byte_at_the_samples_last_byte_is_guessed_utf16() -> None:
    with pytest.raises(UserError, match=r"^f\.txt:1: not UTF-8 but UTF-16 \(no byte order mark; it has 0 bytes"):
        decode_utf8(FIELDS + b"\xe9\n", "f.txt")


def test_a_bad_byte_just_past_the_sample_is_named_where_it_is() -> None:
    with pytest.raises(UserError, match=r"^f\.txt:1: not UTF-8 \(byte 0xe9 at column 257, byte offset 256\)"):
        decode_utf8(FIELDS + b"\x00\xe9\n", "f.txt")
