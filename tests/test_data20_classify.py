"""Labelled tables as users export them (Excel, hand-written CSV): read as the user meant, or refused by line."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from rnnkit.data.tabular import check_labels_known, read_table, write_table
from rnnkit.errors import UserError


@pytest.mark.parametrize(("name", "content"), [
    ("sheet.csv", b"text,label\r\ngood film,pos\r\n,\r\nbad film,neg\r\n,\r\n,\r\n"),
    ("sheet.tsv", b"text\tlabel\r\ngood film\tpos\r\n\t\r\nbad film\tneg\r\n \t \r\n"),
    ("quoted.csv", b'text,label\n"good film",pos\n"",""\nbad film,neg\n'),
])
def test_a_row_of_empty_fields_is_skipped_as_a_blank_line(tmp_path: Path, name: str, content: bytes) -> None:
    """Excel saves the rows of a sheet whose cells were emptied as lines of separators only (',,'): no row."""
    path = tmp_path / name
    path.write_bytes(content)
    table = read_table(path)
    assert table.texts == ["good film", "bad film"]
    assert table.labels == ["pos", "neg"]
    assert table.lines == [2, 4]


def test_a_row_with_a_label_and_no_text_is_still_refused_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_bytes(b"text,label\ngood film,pos\n,\n,neg\n")
    with pytest.raises(UserError, match=r"sheet\.csv:4: column 'text' is empty"):
        read_table(path)


@pytest.mark.parametrize(("name", "content"), [
    ("spaced.csv", b'text, label\ngood film, "pos"\n"bad film", "neg"\n'),
    ("spaced-header.csv", b'"text", "label"\ngood film, pos\nbad film, neg\n'),
    ("spaced.tsv", b'text\t label\ngood film\t "pos"\nbad film\t neg\n'),
])
def test_a_quoted_field_after_a_space_is_read_without_its_quotes(tmp_path: Path, name: str, content: bytes) -> None:
    """``good film, "pos"`` (a space after each comma, as people write CSV by hand) is the label pos: it was
    '"pos"' with its quotes, a class of its own, and a quoted header name was 'missing'."""
    path = tmp_path / name
    path.write_bytes(content)
    table = read_table(path)
    assert table.texts == ["good film", "bad film"]
    assert table.labels == ["pos", "neg"]


def test_a_quoted_field_after_a_space_may_hold_a_comma(tmp_path: Path) -> None:
    path = tmp_path / "spaced.csv"
    path.write_bytes(b'label, text\npos, "a long, moving film"\nneg, "two hours, lost"\n')
    assert read_table(path).texts == ["a long, moving film", "two hours, lost"]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(("name", "content"), [
    ("mixed.csv", f"text,label\ngood,café\nbad,{nfd('café')}\nspam,스팸\nmore spam,{nfd('스팸')}\n"),
    ("mixed.txt", f"__label__café good\n__label__{nfd('café')} bad\n__label__스팸 spam\n__label__{nfd('스팸')} x\n"),
    ("mixed.jsonl", "".join(json.dumps({"text": "a text", "label": x}) + "\n"
                            for x in ["café", nfd("café"), "스팸", nfd("스팸")])),
])
def test_a_label_in_nfd_is_the_label_of_its_nfc_spelling(tmp_path: Path, name: str, content: str) -> None:
    """A label typed with a combining accent or as Hangul jamo (macOS writes text so) was a class of its own
    beside the composed spelling, printed alike; a held-out file so written was refused as 'not in the training
    data (training labels: 'café', ...)'."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    table = read_table(path)
    assert table.labels == ["café", "café", "스팸", "스팸"]  # the literals of this file are NFC
    check_labels_known(table, ["café", "스팸"])


def test_several_labels_in_nfd_are_their_nfc_spellings(tmp_path: Path) -> None:
    path = tmp_path / "tags.txt"
    path.write_text(f"__label__café __label__{nfd('café')} __label__스팸 good\n__label__스팸 bad\n", encoding="utf-8")
    table = read_table(path)
    assert table.label_sets == [["café", "스팸"], ["스팸"]]
    assert table.labels == ["café 스팸", "스팸"]


@pytest.mark.parametrize("require_label", [True, False])
@pytest.mark.parametrize("name", ["excel.txt", "export"])
def test_a_txt_file_whose_header_is_tab_separated_is_read_as_tsv(tmp_path: Path, name: str,
                                                                 require_label: bool) -> None:
    """Excel's "Text (Tab delimited)" saves a .txt file of tab-separated columns: training refused it as one
    field 'text\\tlabel', and predict --file read it a text a line, its header line a text and each label glued to
    its text."""
    path = tmp_path / name
    path.write_bytes(b"id\ttext\tlabel\r\n1\tgood, moving film\tpos\r\n2\tbad film\tneg\r\n")
    table = read_table(path, require_label=require_label)
    assert table.reader == "tsv"
    assert table.texts == ["good, moving film", "bad film"]
    assert table.labels == ["pos", "neg"]
    assert table.rows[0] == {"id": "1", "text": "good, moving film", "label": "pos"}


def test_a_txt_file_of_lines_with_tabs_is_still_a_text_a_line(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_bytes(b"a text\twith a tab\nanother text\n")
    assert read_table(path, require_label=False).texts == ["a text\twith a tab", "another text"]


def test_a_column_name_met_twice_keeps_both_columns_cells(tmp_path: Path) -> None:
    """Two columns named 'note' (or two unnamed ones, as Excel saves columns with cells but no name): their rows
    kept one dict key, so predict --file wrote the second column's cells under both names, the first lost."""
    path = tmp_path / "sheet.csv"
    path.write_bytes(b"text,label,note,note,,\ngood film,pos,a,b,c,d\nbad film,neg,e,f,g,h\n")
    table = read_table(path, require_label=False)
    assert table.columns == ["text", "label", "note", "note (column 4)", "", "column 6"]
    out = tmp_path / "out.csv"
    write_table(out, table.columns, table.rows)
    assert out.read_text(encoding="utf-8").splitlines()[1:] == ["good film,pos,a,b,c,d", "bad film,neg,e,f,g,h"]


@pytest.mark.parametrize("header", [b"text,label,text", b"label,text,label"])
def test_the_text_or_label_column_named_twice_is_refused_naming_both(tmp_path: Path, header: bytes) -> None:
    path = tmp_path / "sheet.csv"
    path.write_bytes(header + b"\ngood film,pos,x\nbad film,neg,y\n")
    name = header.split(b",")[0].decode()
    with pytest.raises(UserError, match=rf"sheet\.csv:1: two columns are named '{name}' \(columns 1 and 3\)"):
        read_table(path)


def test_excels_csv_utf8_of_korean_emoji_and_rtl_text_reads_as_written(tmp_path: Path) -> None:
    """What Excel's "CSV UTF-8" writes: a BOM, CRLF row ends, a cell of several lines (Alt+Enter: LF) quoted with
    its quotes doubled; the rows after it named by the lines they start on."""
    path = tmp_path / "calls.csv"
    path.write_bytes('\ufeffid,text,label\r\n1,"여보세요 😀\n""검찰청"" 입니다, 네",스팸\r\n2,שלום עולם,정상\r\n'
                     '3,"cafe\u0301 ok",정상\r\n'.encode())
    table = read_table(path)
    assert table.columns == ["id", "text", "label"]
    assert table.texts == ['여보세요 😀\n"검찰청" 입니다, 네', "שלום עולם", "cafe\u0301 ok"]
    assert table.labels == ["스팸", "정상", "정상"]
    assert table.lines == [2, 4, 5]


BOM = "\ufeff"


@pytest.mark.parametrize(("name", "first", "second", "labels"), [
    ("joined.txt", "__label__pos good film\n", "__label__neg bad film\n", ["pos", "neg"]),
    ("joined.jsonl", '{"text": "good film", "label": "pos"}\n', '{"text": "bad film", "label": "neg"}\n',
     ["pos", "neg"]),
    ("joined.csv", '"pos","good film"\r\n"neg","bad, long film"\r\n', '"neg","bad film"\r\n"pos","fine film"\r\n',
     ["pos", "neg", "neg", "pos"]),
])
def test_files_joined_each_with_its_bom_read_as_one(tmp_path: Path, name: str, first: str, second: str,
                                                    labels: list[str]) -> None:
    """Files joined with ``cat`` (Notepad and Excel begin every UTF-8 file with a BOM): the second file's BOM hid
    its first line's label (fastText: 'no label') or JSON ('not JSON'), or was glued to its first label."""
    path = tmp_path / name
    path.write_text(BOM + first + BOM + second, encoding="utf-8")
    table = read_table(path)
    assert table.labels == labels
    assert not any(BOM in text for text in table.texts)


def test_lines_to_predict_from_joined_files_have_no_bom_glued_to_a_text(tmp_path: Path) -> None:
    path = tmp_path / "joined.txt"
    path.write_text(f"{BOM}a fine film\n{BOM}a dull film\n", encoding="utf-8")
    assert read_table(path, require_label=False).texts == ["a fine film", "a dull film"]


@pytest.mark.parametrize(("name", "content"), [
    ("blank.csv", b"\ntext,label\ngood film,pos\nbad film,neg\n"),
    ("blank.tsv", b"\r\n \r\ntext\tlabel\r\ngood film\tpos\r\nbad film\tneg\r\n"),
])
def test_blank_lines_before_the_header_line_are_skipped(tmp_path: Path, name: str, content: bytes) -> None:
    """Blank lines are skipped after the header line; before it, line 1 was read as a header of no columns ('text
    column 'text' is missing; the file has no columns')."""
    path = tmp_path / name
    path.write_bytes(content)
    table = read_table(path)
    assert table.texts == ["good film", "bad film"] and table.labels == ["pos", "neg"]
    assert table.lines == [content.count(b"\n") - 1, content.count(b"\n")]


def test_a_missing_column_is_named_at_the_header_lines_own_line(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\n\nText,Label\ngood film,pos\n")
    with pytest.raises(UserError, match=r"blank\.csv:3: text column 'text' is missing; the file has 'Text', 'Label'"):
        read_table(path)
