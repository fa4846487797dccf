"""A tab-separated tagged file whose lines end with a tab (a spreadsheet's export, a script's print of each column
followed by a tab) is read as its token and tag: it was refused at line 1 as 'column 3 (tag) is empty', where
conlleval and flair, which split at whitespace, read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.conll import read_conll
from rnnkit.errors import UserError


@pytest.mark.parametrize("text", [
    "John\tB-PER\t\nsat\tO\t\n\nMary\tB-PER\t\n",     # every line
    "John\tB-PER\t\t\nsat\tO\n\nMary\tB-PER \t \n",   # some lines, two tabs, a space after
])
def test_a_tab_ending_a_line_is_no_column(text: str, tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text(text, encoding="utf-8")
    got = read_conll(path)
    assert (got.tokens, got.tags, got.tag_column) == ([["John", "sat"], ["Mary"]], [["B-PER", "O"], ["B-PER"]], 2)


def test_an_empty_tag_within_the_files_columns_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("John\tNNP\tB-PER\t\nsat\tVBD\t\t\n", encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{path}:2: column 3 \(tag\) is empty"):
        read_conll(path)
