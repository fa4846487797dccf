"""The UTF-16 guess of a file without a byte order mark (its first bytes hold 0 bytes and read as UTF-16 text) is
made only of a file whose first bytes are not UTF-8: a UTF-8 file that begins with NUL-separated fields (valid
UTF-8, as :func:`rnnkit.data.utf8._wide_encoding` says) and has a Latin-1 byte a thousand lines on was named as
UTF-16 on line 1, instead of the line, the column and the byte that are wrong."""

from __future__ import annotations

import pytest

from rnnkit.data.utf8 import decode_utf8
from rnnkit.errors import UserError


def test_a_utf8_file_with_nuls_in_its_head_names_the_byte_that_is_wrong() -> None:
    raw = b"key\x00value\x00" * 30 + b"\n" + b"line\n" * 1000 + b"caf\xe9\n"
    with pytest.raises(UserError) as exc:
        decode_utf8(raw, "f.txt")
    assert str(exc.value).startswith("f.txt:1002: not UTF-8 (byte 0xe9 at column 4, byte offset 5304)")


def test_utf16_korean_is_still_named_so() -> None:
    with pytest.raises(UserError, match=r"^k\.txt:1: not UTF-8 but UTF-16 .*`iconv -f utf-16le -t utf-8`"):
        decode_utf8(("안녕하세요 반갑습니다\n" * 20).encode("utf-16le"), "k.txt")
