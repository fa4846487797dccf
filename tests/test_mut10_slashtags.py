"""Gaps a mutation audit of :mod:`rnnkit.data.slashtags` found (round 10): each test fails on one changed line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.slashtags import is_slash_tagged, read_slash_tagged, read_tagged
from rnnkit.errors import UserError


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("line", ["The/DT /NN", "The/DT cat/", "The/DT cat", "a/B\tc"])
def test_a_field_without_a_word_or_a_tag_keeps_a_line_out_of_the_slash_format(line: str) -> None:
    assert is_slash_tagged("The/DT cat/NN")
    assert not is_slash_tagged(line)
    assert not is_slash_tagged([line, "The/DT cat/NN"])


def test_several_one_word_lines_are_slash_tagged_and_one_alone_is_not() -> None:
    assert is_slash_tagged(["Yes/UH", "No/UH"])
    assert not is_slash_tagged(["Yes/UH"]) and not is_slash_tagged("Yes/UH")


def test_blank_lines_are_not_counted_among_the_lines_judged(tmp_path: Path) -> None:
    # one one-word line is a CoNLL token whatever blank lines follow it (CoNLL then misses its tag)
    with pytest.raises(UserError, match="column 2 \\(tag\\) is missing"):
        read_tagged(write(tmp_path / "a.txt", "Yes/UH\n\n\n\n"))


def test_a_byte_order_mark_before_a_blank_first_line_is_no_text(tmp_path: Path) -> None:
    s = read_tagged(write(tmp_path / "a.txt", "\ufeff\nThe/DT cat/NN\n"))
    assert s.tokens == [["The", "cat"]] and s.tags == [["DT", "NN"]] and s.lines == [2]


def test_a_tab_on_the_third_line_makes_the_file_conll(tmp_path: Path) -> None:
    s = read_tagged(write(tmp_path / "a.txt", "a/b c/d\ne/f g/h\nword\tTAG\n"))
    assert s.tokens == [["a/b", "e/f", "word"]] and s.tags == [["c/d", "g/h", "TAG"]]


def test_a_comment_line_in_a_slash_tagged_file_is_refused_by_its_line(tmp_path: Path) -> None:
    # the sniff passes '#' lines by; the reader then names the first one rather than reading the file as CoNLL
    with pytest.raises(UserError, match=r"a\.txt:2: malformed token '#'"):
        read_tagged(write(tmp_path / "a.txt", "The/DT cat/NN\n# a note\nA/DT dog/NN\n"))


def test_the_line_cut_at_the_end_of_the_sniffed_64_kib_is_not_judged(tmp_path: Path) -> None:
    line = " ".join(["ab/X"] * 2000)  # 9,999 characters and its newline: byte 65,536 falls after 'a' of line 7
    path = write(tmp_path / "long.txt", (line + "\n") * 8)
    assert path.read_bytes()[65530:65536].endswith(b" a")
    s = read_tagged(path)
    assert len(s.tokens) == 8 and s.tokens[6][:2] == ["ab", "ab"] and set(s.tags[7]) == {"X"}


def test_a_slash_tagged_sentence_says_where_each_tag_is_by_token(tmp_path: Path) -> None:
    s = read_slash_tagged(write(tmp_path / "a.txt", "\nThe/DT cat/NN\n"))
    assert s.tag_at(0, 1) == f"{tmp_path / 'a.txt'}:2: token 2 ('cat'), tag"


def test_a_file_of_blank_lines_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"a\.txt: no sentences"):
        read_slash_tagged(write(tmp_path / "a.txt", "\n  \n\n"))


def test_a_file_one_byte_shorter_than_the_sniff_is_judged_whole(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", " ".join(["abc/X"] + ["ab/X"] * 13106))  # 65,535 bytes, no final newline
    assert path.stat().st_size == 65535
    s = read_tagged(path)
    assert len(s.tokens) == 1 and len(s.tokens[0]) == 13107 and s.tokens[0][0] == "abc"
