"""Gaps the mutation audit of rnnkit.data.utf8 found: the column of a bad byte across pieces, a BOM-like pair
of bytes past the start of a file."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

import pytest

from rnnkit.data import utf8
from rnnkit.data.utf8 import HINT, decode_pieces
from rnnkit.errors import UserError


def refusal(pieces: list[bytes]) -> str:
    with pytest.raises(UserError) as info:
        list(decode_pieces(pieces, "t.txt"))
    return str(info.value)


def test_the_column_counts_on_across_pieces_of_one_line() -> None:
    raw = b"ab\ncdef\xe9"
    for size in range(1, len(raw) + 1):
        pieces = [raw[i: i + size] for i in range(0, len(raw), size)]
        assert refusal(pieces) == f"t.txt:2: not UTF-8 (byte 0xe9 at column 5, byte offset 7); {HINT}", size


def test_utf16_bom_bytes_past_the_start_of_a_file_are_bad_bytes_not_a_utf16_file() -> None:
    assert refusal([b"ab", b"\xff\xfe"]) == f"t.txt:1: not UTF-8 (byte 0xff at column 3, byte offset 2); {HINT}"


def test_a_device_refused_is_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(b"x")
    opened: list[BinaryIO] = []
    monkeypatch.setattr(utf8, "_a_device", lambda fh: opened.append(fh) is None)
    with pytest.raises(UserError, match="not a regular file"):
        utf8.open_readable(path, "text")
    assert opened[0].closed


def test_a_terminal_is_read_not_refused_as_a_device() -> None:
    main, side = os.openpty()
    try:
        with os.fdopen(side, "rb") as fh:
            assert not utf8._a_device(fh)
    finally:
        os.close(main)


def test_a_block_device_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "disk"
    path.write_bytes(b"x")
    real = os.stat(path)
    block = os.stat_result((stat.S_IFBLK | 0o660, *real[1:]))
    monkeypatch.setattr(utf8.os, "fstat", lambda fd: block)
    with open(path, "rb") as fh:
        assert utf8._a_device(fh)


@pytest.mark.parametrize("byte", [0x80, 0xff])
def test_a_command_line_byte_at_either_end_of_the_range_is_refused(byte: int) -> None:
    text = "ab" + bytes([byte]).decode("utf-8", "surrogateescape")
    with pytest.raises(UserError) as info:
        utf8.utf8_argument("TEXT")(text)
    assert str(info.value).startswith(f"TEXT 'ab\\x{byte:02x}': not UTF-8 (byte 0x{byte:02x} at column 3); ")
