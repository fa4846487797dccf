"""A TSV file is read with CSV's quoting (as pandas reads it, and as pandas, Excel and predict --output write a field
holding a tab or a line break). A stray quote opening a field of an unquoted TSV file took in the rows after it, up
to the next quote that ends a field, and they were read, unsaid, as one text: such a row is refused now, naming the
line where the quote opens and a line inside it that reads as a row of its own. A quoted field that truly holds tabs
and line breaks is read as before."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table, write_table
from rnnkit.errors import UserError

SWALLOWING = 'text\tlabel\n"Hi there\tpos\nok film\tneg\nbad film\tneg\nshe said wow"\tpos\nlast\tneg\n'


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_stray_quote_that_takes_in_rows_is_named_where_it_opens(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "reviews.tsv"
    path.write_bytes(SWALLOWING.replace("\n", newline).encode())
    with pytest.raises(UserError, match=r"reviews\.tsv:2: this row runs on to line 5, and line 3, inside it, reads "
                                        r"as a row of its own \(2 tab-separated fields\): a field starts with a "
                                        r"double quote"):
        read_table(path)


def test_quoted_fields_with_tabs_and_line_breaks_read_back(tmp_path: Path) -> None:
    texts = ["one\ttab and\na line break", 'a "quoted" word', "plain"]
    path = tmp_path / "out.tsv"
    write_table(path, ["text", "label"], [{"text": t, "label": "pos"} for t in texts])
    assert read_table(path).texts == texts
    buffer = io.StringIO()  # as pandas' to_csv(sep="\t") writes it: QUOTE_MINIMAL
    csv.writer(buffer, delimiter="\t", lineterminator="\n").writerows([["text", "label"], *[[t, "neg"] for t in texts]])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    assert read_table(path).texts == texts


def test_a_one_column_file_and_a_csv_file_are_not_checked(tmp_path: Path) -> None:
    path = tmp_path / "texts.tsv"
    path.write_text('text\n"first\nsecond"\n', encoding="utf-8")
    assert read_table(path, require_label=False).texts == ["first\nsecond"]
    path = tmp_path / "reviews.csv"  # a line of prose holds commas as often as not: read as before
    path.write_text('text,label\n"Fine, I said.\nGood, not great.",pos\n', encoding="utf-8")
    assert read_table(path).texts == ["Fine, I said.\nGood, not great."]
