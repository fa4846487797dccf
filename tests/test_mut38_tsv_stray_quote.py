"""Mutation round 38 on the TSV stray-quote refusal (fixp, narrowed by review38): a stray quote in the label
column that takes in just the next row (two lines) is refused; the line named inside the row counts the line
breaks of the fields before it; a CSV file is not checked so (its quoted text may hold a pasted table)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError


def test_a_stray_quote_that_takes_in_one_row_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "two.tsv"
    path.write_text('text\tlabel\nHi\t"pos\nbye\tneg"\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"two\.tsv:2: this row runs on to line 3, and line 3, inside it, reads as"):
        read_table(path)


def test_the_line_named_counts_the_line_breaks_of_earlier_fields(tmp_path: Path) -> None:
    path = tmp_path / "later.tsv"
    path.write_text('text\tlabel\n"a\tb\nc"\t"d\ne\tf"\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"later\.tsv:2: this row runs on to line 4, and line 4, inside it, reads"):
        read_table(path)


def test_a_csv_text_holding_a_pasted_table_is_read(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text('label,text\npos,"h1\nv1\tv2"\n', encoding="utf-8")
    assert read_table(path, text_column="text", label_column="label").texts == ["h1\nv1\tv2"]
