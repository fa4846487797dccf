"""fixa's checks of the CSV/TSV reader: repeated column names, Excel's sep= line, UTF-16 without a BOM."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError


@pytest.mark.parametrize("header", ["text,note,note,note", "text,note,note,note (column 3)",
                                    "text,note (column 3),note,note", "text,,,column 3",
                                    "text,note,note,note (column 3),note (column 3) (2)"])
def test_every_column_keeps_a_name_of_its_own(tmp_path: Path, header: str) -> None:
    """`note,note,note (column 3)` made the second `note` `note (column 3)`, the name the header gives the last
    column: the rows kept only one of the two cells, and `predict --file` wrote the last under both."""
    path = tmp_path / "t.csv"
    cells = [f"c{i}" for i in range(header.count(","))]
    path.write_text(f"{header},label\ngood film,{','.join(cells)},pos\n")
    table = read_table(path)
    names = list(table.rows[0])
    assert len(set(names)) == len(names) == header.count(",") + 2
    assert list(table.rows[0].values()) == ["good film", *cells, "pos"]


@pytest.mark.parametrize(("name", "first", "shown", "mend"), [
    ("t.tsv", "sep=\t", r"'sep=\t'", False), ("t.csv", "sep=\t", r"'sep=\t'", True),
    ("t.tsv", "\nsep=\t\r", r"'sep=\t'", False), ("t.csv", "sep=;", "'sep=;'", True)])
def test_excels_separator_line_is_shown_with_its_separator(tmp_path: Path, name: str, first: str, shown: str,
                                                           mend: bool) -> None:
    """Excel's `sep=` and a tab was shown as 'sep=' (the header's cells are stripped), and in a .csv file the line
    did not say the rows are tab-separated."""
    path = tmp_path / name
    path.write_text(f"{first}\ntext\tlabel\ngood film\tpos\n", newline="")
    with pytest.raises(UserError) as exc:
        read_table(path)
    assert f": {shown} is Excel's line naming the separator" in str(exc.value)
    assert ("save the file comma-separated" in str(exc.value)) == mend
