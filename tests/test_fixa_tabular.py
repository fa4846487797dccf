"""fixa's checks of the CSV/TSV reader: repeated column names, Excel's sep= line, UTF-16 without a BOM."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table


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
