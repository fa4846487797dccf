"""Gaps a mutation audit of :mod:`rnnkit.data.tabular` found (round 6): each test fails on one changed line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table, read_unlabelled
from rnnkit.errors import UserError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_an_ndjson_file_is_read_as_jsonl(tmp_path: Path) -> None:
    """``.ndjson`` is the other name of JSON Lines: read as JSONL (a number label kept as its text), not as CSV."""
    t = read_table(write(tmp_path / "a.NDJSON", '{"text": "a, b", "label": 1}\n{"text": "c", "label": "x"}\n'))
    assert (t.reader, t.texts, t.labels) == ("jsonl", ["a, b", "c"], ["1", "x"])


def _missing_text_message(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        read_table(path)
    return str(caught.value)


def test_a_missing_column_message_names_ten_columns_then_how_many_more(tmp_path: Path) -> None:
    def columns(n: int) -> str:
        return ",".join(f"c{i}" for i in range(n)) + "\n" + ",".join("x" * n) + "\n"

    ten = _missing_text_message(write(tmp_path / "a.csv", columns(10)))
    assert "the file has 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9' (choose one" in ten
    eleven = _missing_text_message(write(tmp_path / "b.csv", columns(11)))
    assert "'c8', 'c9', 1 more (choose one" in eleven and "'c10'" not in eleven


def test_a_column_name_of_forty_characters_is_shown_whole_and_a_longer_one_cut(tmp_path: Path) -> None:
    forty, longer = "a" * 40, "b" * 41
    shown = _missing_text_message(write(tmp_path / "a.csv", f"{forty},label\nx,y\n"))
    assert f"the file has '{forty}', 'label' (" in shown
    assert (f"the file has '{'b' * 40}'... (41 characters), 'label' ("
            in _missing_text_message(write(tmp_path / "b.csv", f"{longer},label\nx,y\n")))


def test_a_line_of_spaces_between_csv_rows_is_a_blank_line(tmp_path: Path) -> None:
    """A line of spaces is one field to the csv module: skipped as a blank line, not refused as a row of one field."""
    t = read_table(write(tmp_path / "a.csv", "text,label\ngood,pos\n   \nbad,neg\n \t \n"))
    assert (t.texts, t.labels, t.lines) == (["good", "bad"], ["pos", "neg"], [2, 4])


def test_two_lines_are_too_few_to_take_the_first_for_data(tmp_path: Path) -> None:
    """A file without a header line is recognised from three rows on; with two, line 1 is its header line."""
    three = read_table(write(tmp_path / "a.csv", "pos,a fine film\npos,a good one\nneg,a dull one\n"))
    assert three.texts == ["a fine film", "a good one", "a dull one"] and three.headerless
    with pytest.raises(UserError, match="text column 'text' is missing; the file has 'pos', 'a fine film'"):
        read_table(write(tmp_path / "b.csv", "pos,a fine film\npos,a good one\n"))


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"])
def test_text_a_line_files_end_their_lines_at_a_lone_cr_too(tmp_path: Path, end: str) -> None:
    """An old Mac file (lines ended by a lone CR, as Excel for Mac exports text) was one line: a fastText file was
    one row with every line's labels, a file of texts to predict one text. Its lines are counted as Python's text
    files count them, as the CSV reader reads such a file."""
    p = tmp_path / "a.txt"
    p.write_bytes(end.join(["__label__pos a fine film", "__label__neg a dull one", ""]).encode())
    t = read_table(p)
    assert (t.reader, t.texts, t.labels, t.lines) == ("fasttext", ["a fine film", "a dull one"], ["pos", "neg"], [1, 2])
    assert t.label_sets is None
    assert read_unlabelled(p) == ["a fine film", "a dull one"]
    q = tmp_path / "b.txt"
    q.write_bytes(end.join(["first text", "", "second, text", ""]).encode())
    plain = read_table(q, require_label=False)
    assert (plain.reader, plain.texts, plain.lines) == ("lines", ["first text", "second, text"], [1, 3])
    assert read_unlabelled(q) == ["first text", "second, text"]
    c = tmp_path / "c.csv"  # what the CSV reader made of such lines already
    c.write_bytes(end.join(["text,label", "a fine film,pos", "a dull one,neg", ""]).encode())
    assert read_table(c).texts == t.texts and read_table(c).lines == [2, 3]


def test_a_jsonl_file_of_lone_cr_line_ends_is_read_line_by_line(tmp_path: Path) -> None:
    """An old Mac file (lines ended by a lone CR) was one line: 'malformed row: not JSON (Extra data ...)' at line 1.
    A raw CR is never inside a JSON string, so it ends a line as file_lines counts them (a bad row named by line)."""
    path = tmp_path / "mac.jsonl"
    path.write_bytes(b'{"text": "good film", "label": "pos"}\r{"text": "bad\\u2028film", "label": "neg"}\r')
    table = read_table(path)
    assert list(table.texts) == ["good film", "bad\u2028film"] and list(table.labels) == ["pos", "neg"]
    path.write_bytes(b'{"text": "a", "label": "x"}\r\r{"text": "b", "label": "y"}\r{oops}\r')
    with pytest.raises(UserError, match=r"mac\.jsonl:4: malformed row: not JSON"):
        read_table(path)
