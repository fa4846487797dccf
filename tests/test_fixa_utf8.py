"""fixa's checks of UTF-16 without a byte order mark: Korean text is named as UTF-16, a cp949 file is not."""

from __future__ import annotations

import random

import pytest

from rnnkit.data.utf8 import decode_utf8
from rnnkit.errors import UserError

KOREAN = "안녕하세요 반갑습니다\n오늘 날씨가 좋네요\n"


def _said(raw: bytes) -> str:
    with pytest.raises(UserError) as exc:
        decode_utf8(raw, "k.txt")
    return str(exc.value)


@pytest.mark.parametrize(("text", "codec"), [(KOREAN, "utf-16le"), (KOREAN, "utf-16be"),
                                             (KOREAN.replace(" ", "").replace("\n", ""), "utf-16le"),
                                             ("你好，世界。\n我们今天去公园。\n", "utf-16le")])
def test_korean_or_chinese_utf16_without_a_mark_is_named_so(text: str, codec: str) -> None:
    """Hangul in UTF-16 has no 0 byte in a syllable's unit, so 'every other byte is 0' did not hold and the file got
    the generic not-UTF-8 line (`iconv -f latin1`, `-f cp949`); Latin text so written got the UTF-16 line."""
    said = _said((text * 4).encode(codec))
    assert said.startswith("k.txt:1: not UTF-8 but UTF-16 (no byte order mark; it has 0 bytes and reads as UTF-16")
    assert f"`iconv -f {codec} -t utf-8`" in said


@pytest.mark.parametrize("codec", ["cp949", "euc-kr"])
def test_a_cp949_file_keeps_the_not_utf8_line(codec: str) -> None:
    assert "but Korean in CP949 or EUC-KR, it seems; save the file as UTF-8, e.g. `iconv -f cp949 -t utf-8`" in _said(
        (KOREAN * 4).encode(codec))  # walk52: named as CP949, not `-f latin1` first


def test_bytes_with_nuls_that_are_no_text_keep_the_not_utf8_line() -> None:
    rng = random.Random(0)
    for _ in range(50):
        raw = bytes([0xff, 0, 0]) + rng.randbytes(300)
        assert "not UTF-8 (byte 0xff" in _said(raw)
