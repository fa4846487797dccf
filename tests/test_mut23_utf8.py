"""Mutation audit round 23: UTF-16 without a byte order mark told by its 0 bytes (utf8._utf16_by_its_nuls,
utf8._text_read) where the text reads as text in both byte orders, and where the first bytes read cut a surrogate
pair in two."""

from __future__ import annotations

import pytest
from test_fixa_utf8 import _said

# Hangul and spaces: read in the other byte order each syllable is a CJK ideograph and each space U+2000, so the
# bytes are text both ways; the order with the spaces (characters below U+0100) is the file's
BOTH_WAYS = "안녕 하세요 "


@pytest.mark.parametrize("codec", ["utf-16le", "utf-16be"])
def test_text_that_reads_both_ways_is_named_by_the_order_with_the_narrow_characters(codec: str) -> None:
    assert f"`iconv -f {codec} -t utf-8`" in _said((BOTH_WAYS * 40).encode(codec))


@pytest.mark.parametrize("codec", ["utf-16le", "utf-16be"])
def test_a_surrogate_pair_cut_by_the_end_of_the_sample_is_still_text(codec: str) -> None:
    """An emoji's two units straddle the 256 bytes looked at: its first unit is held, not an unpaired surrogate."""
    text = (BOTH_WAYS * 40)[:127] + "\U0001f600" + BOTH_WAYS * 4
    assert text.encode(codec)[254:256] == "\ud83d".encode(codec, "surrogatepass")
    assert f"`iconv -f {codec} -t utf-8`" in _said(text.encode(codec))


@pytest.mark.parametrize("tail", [b"", b"\x00"], ids=["even", "a-0-byte-after"])
def test_one_0_byte_is_too_few_to_tell_utf16_by(tail: bytes) -> None:
    """Two 0 bytes at least (a lone one, or an odd last byte that is 0, is no unit of a space): else the line for a
    file not UTF-8 as ever."""
    assert "not UTF-8 (byte 0x" in _said("한국 사람들".encode("utf-16le") + tail)


@pytest.mark.parametrize("text", ["안녕 하세요\n\x01 ", "안녕 하세요 \u0378 Ā ", "안녕 하세요 \ue000 Ā "],
                         ids=["control", "unassigned", "private-use"])
def test_bytes_that_read_as_text_in_neither_order_keep_the_not_utf8_line(text: str) -> None:
    """A control character (U+0001, and U+0001 where Ā is read the other way), an unassigned one (U+0378, and
    U+0A00 where a line end is read the other way) or a private-use one (U+E000) is no text: read both ways these
    bytes hold one, so they are named as no UTF-16."""
    assert "not UTF-8 (byte 0x" in _said((text * 8).encode("utf-16le"))


def test_only_the_first_256_bytes_are_read_both_ways() -> None:
    """The order is told by a sample (the first 256 bytes), not by the whole first piece read (megabytes)."""
    raw = ("안녕하세요반갑습니다" * 13 + " 안녕 하세요 " * 20).encode("utf-16le")
    assert raw[:256].count(0) == 0
    assert "not UTF-8 (byte 0x" in _said(raw)
