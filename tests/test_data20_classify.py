"""Labelled tables as users export them (Excel, hand-written CSV): read as the user meant, or refused by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
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
