"""A TSV file written by pandas' ``to_csv(sep="\\t")`` (or Excel, or ``predict --output``) quotes a text that holds a
line break and a tab; such a text was refused as a stray quote (fixp) whenever one of its later lines held as many
tabs as the header has separators: a 2-column file with a Python snippet indented by a tab (``def f():\\n\\treturn
1``) or a recipe line (``1 cup\\tflour``) read "a field starts with a double quote that is not closed", though it is
closed. A row is refused now only where every line of it, its quotes read as characters, is a row of its own, as a
stray quote that takes in the rows after it leaves it (review38)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError

GOOD = [
    (["text", "label"], ["def f():\n\treturn 1", "py"]),
    (["text", "label"], ["Ingredients:\n1 cup\tflour\n2 eggs", "bake"]),
    (["id", "text", "label"], ["7", "name\tage\tcity\nbob\t3\tSeoul", "table"]),
    (["text", "label"], ["Name:\tBob\nAge:\t30", "form"]),
    (["id", "text", "label"], ["a\nb", "x\ny\tz\tw", "notes"]),  # fixp's test named its line 4 as a row
]


@pytest.mark.parametrize(("header", "row"), GOOD, ids=["code", "recipe", "table", "form", "two-fields"])
def test_a_quoted_text_of_tabs_and_line_breaks_is_read(tmp_path: Path, header: list[str], row: list[str]) -> None:
    buffer = io.StringIO()  # as pandas' to_csv(sep="\t", index=False) writes it: QUOTE_MINIMAL, "\n"
    csv.writer(buffer, delimiter="\t", lineterminator="\n").writerows([header, row, [*row[:-2], "plain", "x"]])
    path = tmp_path / "data.tsv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    assert read_table(path).texts == [row[-2], "plain"]


def test_a_stray_quote_is_named_past_a_blank_line_it_took_in(tmp_path: Path) -> None:
    path = tmp_path / "reviews.tsv"
    path.write_text('id\ttext\tlabel\n1\t"Hi\tpos\n\n2\tok\tneg\n3\tbad"\tneg\n4\tfine\tpos\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"reviews\.tsv:2: this row runs on to line 5, and line 4, inside it, reads "
                                        r"as a row of its own \(3 tab-separated fields\)"):
        read_table(path)
