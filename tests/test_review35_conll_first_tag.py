"""walk39 drops the empty columns ending a CoNLL line beyond the first token line's count (a trailing tab), and the
first line's own down to a token and its tag. A three-column file whose first line's tag was missing (``John<tab>NNP
<tab>``) was then refused at line 2 as '3 columns here, 2 columns on line 1' (line 1 has three, one empty), where it
had been 'line 1: column 3 (tag) is empty'; it is that again. A trailing tab on every line is still no column."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.conll import read_conll
from rnnkit.errors import UserError


def test_the_first_lines_empty_tag_is_named_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "pos.conll"
    path.write_text("John\tNNP\t\nlives\tVBZ\tO\n\nMary\tNNP\tB-PER\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"pos\.conll:1: column 3 \(tag\) is empty; expected 'TOKEN<tab>TAG'"):
        read_conll(path)


def test_a_trailing_tab_on_every_line_is_still_no_column(tmp_path: Path) -> None:
    path = tmp_path / "ner.conll"
    path.write_text("John\tB-PER\t\nlives\tO\t\n", encoding="utf-8")
    assert read_conll(path).tags == [["B-PER", "O"]]
