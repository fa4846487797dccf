"""Mutation round 40: the CP949 hint of data/utf8.py (walk52/53) at its edges: the syllables it needs, the share of
them, a sample cut inside a character, the line it reads from."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError


def refusal(path: Path, raw: bytes) -> str:
    path.write_bytes(raw)
    with pytest.raises(UserError) as exc:
        read_table(path, "text", "label")
    return str(exc.value)


@pytest.mark.parametrize(("word", "korean"), [("가나다", False), ("가나다라", True)])
def test_four_hangul_syllables_are_korean_three_are_not(tmp_path: Path, word: str, korean: bool) -> None:
    said = refusal(tmp_path / "c.csv", b"text,label\n" + f"{word},x\n".encode("cp949"))
    assert ("`iconv -f cp949 -t utf-8`" in said) is korean
    assert ("Korean in CP949" in said) is korean


def test_mostly_hanja_is_not_called_korean(tmp_path: Path) -> None:
    """Four syllables among forty hanja: under nine in ten of the characters beyond ASCII are Hangul."""
    said = refusal(tmp_path / "c.csv", b"text,label\n" + ("漢字" * 20 + "가나다라,x\n").encode("cp949"))
    assert "Korean in CP949" not in said and "`iconv -f cp949 -t utf-8`" not in said


def test_a_long_korean_line_cut_inside_a_character_at_the_sample_is_korean(tmp_path: Path) -> None:
    """The 4,096 bytes looked at may end between a character's two bytes: that is no reason to call it not Korean."""
    said = refusal(tmp_path / "c.csv", b"text,label\n" + ("x" + "가" * 3000 + ",y\n").encode("cp949"))
    assert "Korean in CP949" in said


def test_syllables_that_read_as_utf8_before_the_bad_byte_count(tmp_path: Path) -> None:
    """징짖짙 are, in CP949, bytes that read as UTF-8 (c2a1...): the first bad byte is 가's; the line is read from
    its start, so the four syllables make it Korean."""
    said = refusal(tmp_path / "c.csv", b"text,label\n" + "징짖짙가,x\n".encode("cp949"))
    assert "Korean in CP949" in said
