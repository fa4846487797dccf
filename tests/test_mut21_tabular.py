"""Mutation audit round 21: how a table's format is sniffed, which line a refusal about its header names, and the
byte order marks of joined files, through rnnkit.data.tabular's readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import file_lines, read_table, read_unlabelled
from rnnkit.errors import UserError


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    return path


@pytest.mark.parametrize(("name", "expected"), [
    ("DATA.CSV", "comma-separated as its name says"),
    ("data.ndjson", "JSON"),
])
def test_a_csv_or_ndjson_name_is_not_sniffed_for_tabs(tmp_path: Path, name: str, expected: str) -> None:
    """Only a file named neither .csv nor .jsonl/.ndjson (in any case) is read as TSV by its tab-separated header."""
    path = _write(tmp_path, name, "text\tlabel\ngood film\tpos\nbad film\tneg\n")
    with pytest.raises(UserError, match=expected):
        read_table(path)


def test_a_txt_file_headed_text_without_a_tab_is_csv(tmp_path: Path) -> None:
    """A one-column .txt file naming the text column is CSV: a tab inside a text is part of it, not a separator."""
    path = _write(tmp_path, "notes.txt", "text\ngood\tfilm\nbad\n")
    assert read_table(path, require_label=False).texts == ["good\tfilm", "bad"]


def test_a_txt_file_with_blank_lines_before_its_tab_separated_header_is_tsv(tmp_path: Path) -> None:
    path = _write(tmp_path, "excel.txt", "\n\ntext\tlabel\ngood, film\tpos\nbad film\tneg\n")
    table = read_table(path)
    assert table.texts == ["good, film", "bad film"]
    assert table.labels == ["pos", "neg"]


def test_a_txt_header_with_a_quoted_name_after_a_space_names_the_text_column(tmp_path: Path) -> None:
    """'id, "text"' names the column text (the quote after the space is a quote), so the file is CSV, not a text
    a line."""
    path = _write(tmp_path, "notes.txt", 'id, "text"\n1, "hello, world"\n2, bye\n')
    assert read_table(path, require_label=False).texts == ["hello, world", "bye"]


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("bad.csv", '\n"text"x,label\ngood,pos\n', r"bad\.csv:2: malformed header"),
    ("semi.csv", "\ntext;label\ngood;pos\n", r"semi\.csv:2: text column 'text' is missing; the first line is one"),
    ("tabs.csv", "\r\ntext\tlabel\r\ngood\tpos\r\n", r"tabs\.csv:2: text column 'text' is missing; the header is one"),
    ("nolabel.csv", "\n\ntext,tag\ngood,pos\n", r"nolabel\.csv:3: label column 'label' is missing"),
])
def test_a_refusal_of_the_header_names_its_own_line(tmp_path: Path, name: str, content: str, expected: str) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(UserError, match=expected):
        read_table(path)


def test_joined_files_with_lone_cr_line_ends_lose_each_bom(tmp_path: Path) -> None:
    """Old Mac files (lines ended by a lone CR) joined with cat, the second begun with its BOM."""
    path = _write(tmp_path, "joined.csv", "\ufefftext,label\rgood film,pos\r" + "\ufeffbad film,neg\r")
    table = read_table(path)
    assert table.texts == ["good film", "bad film"]
    assert table.labels == ["pos", "neg"]


def test_file_lines_drops_the_bom_of_each_joined_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "joined.txt", "\ufeffone\r\n" + "\ufefftwo\r\n" + "\ufeffthree")
    assert file_lines(path) == ["one", "two", "three"]


def test_a_headerless_file_skips_its_rows_of_empty_fields(tmp_path: Path) -> None:
    """A file without a header line is recognised by its values; a line ',' among them is no row."""
    path = _write(tmp_path, "plain.csv", "good film,pos\n,\nbad film,neg\nfine film,pos\n,\n")
    table = read_table(path)
    assert table.texts == ["good film", "bad film", "fine film"]
    assert table.labels == ["pos", "neg", "pos"]


def test_pretraining_texts_of_a_tab_delimited_txt_are_its_text_column(tmp_path: Path) -> None:
    """Excel's "Text (Tab delimited)" .txt given to --pretrain-data: its header line was a text, and each row's
    label was glued to its text, as predict --file read such a file before it was read as TSV."""
    path = _write(tmp_path, "excel.txt", "label\ttext\r\npos\tgood film\r\nneg\tbad film\r\n")
    assert read_unlabelled(path) == ["good film", "bad film"]
    plain = _write(tmp_path, "plain.txt", "good film\tpos\nbad film\n")  # no header: a text a line, as before
    assert read_unlabelled(plain) == ["good film\tpos", "bad film"]
