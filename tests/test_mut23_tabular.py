"""Mutation audit round 23 of rnnkit.data.tabular: the name made for a column whose name is met again where the
header already writes that made name, and Excel's ``sep=`` line written other than bare (quoted, a tab after it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data import tabular
from rnnkit.errors import UserError


def test_a_made_name_the_header_writes_takes_the_suffix_2() -> None:
    """The second 'note' would be 'note (column 2)', which the third column's header writes: it is '... (2)', the
    first number that tells it apart (as the first copy of a file is 'name (2)')."""
    header = ["note", "note", "note (column 2)", "note (column 2) (2)", "text"]
    assert tabular._column_names("f.csv", 1, header, "text", "label") == [
        "note", "note (column 2) (3)", "note (column 2)", "note (column 2) (2)", "text"]
    assert tabular._column_names("f.csv", 1, ["a", "a", "a (column 2)"], "text", "label")[1] == "a (column 2) (2)"


@pytest.mark.parametrize("line", ['"sep=;"', "sep=;\t"], ids=["quoted", "tab-after"])
def test_a_separator_line_not_written_bare_is_shown_as_its_cell(tmp_path: Path, line: str) -> None:
    """Where the line as written is no bare 'sep=' and one character, the header's cell is shown (and its one
    character is the rows' separator): a quote or a tab taken for the separator named a wrong mend."""
    path = tmp_path / "data.csv"
    path.write_text(f"{line}\ntext;label\nfine;1\n", encoding="utf-8")
    with pytest.raises(UserError) as exc:
        tabular.read_table(path)
    assert str(exc.value) == (f"{path}:1: 'sep=;' is Excel's line naming the separator, which rnnkit does not honour "
                              "(nor does pandas): delete the line, and save the file comma-separated (its rows are "
                              "separated by ';')")


def test_a_bare_sep_line_after_a_tab_names_no_separator(tmp_path: Path) -> None:
    """'\\tsep=' is five characters as written, none of them after 'sep=' a separator: its cell 'sep=' is shown,
    and no mend of the rows' separator is said (the written line's '=' was taken for one)."""
    path = tmp_path / "data.csv"
    path.write_text("\tsep=\ntext,label\nfine,1\n", encoding="utf-8")
    with pytest.raises(UserError) as exc:
        tabular.read_table(path)
    assert str(exc.value) == (f"{path}:1: 'sep=' is Excel's line naming the separator, which rnnkit does not honour "
                              "(nor does pandas): delete the line")
