"""read_conll checks each token line against the file's first by a named width (_Line: columns, number, written)
where a positional 4-tuple was read as ``width[0] == width[3] > width[1]``. The messages are word for word as before;
these pin the three that the width decides, and which of the first line's fields each one names."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.conll import NotConll, _Line, _token_and_tag, read_conll
from rnnkit.errors import UserError


def test_the_first_lines_empty_last_column_is_its_tag(tmp_path: Path) -> None:
    path = tmp_path / "f.conll"
    path.write_text("\n\nJohn\tNNP\t\nlives\tVBZ\tO\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"^.*f\.conll:3: column 3 \(tag\) is empty; expected 'TOKEN<tab>TAG'$"):
        read_conll(path)


def test_a_line_of_other_columns_names_the_first_lines_number(tmp_path: Path) -> None:
    path = tmp_path / "f.conll"
    path.write_text("\nJohn\tNNP\tB-PER\n\nlives\tO\n", encoding="utf-8")
    with pytest.raises(NotConll, match=r"^.*f\.conll:4: malformed row: 2 columns here, 3 columns on line 2; expected "
                                       "CoNLL: a token and its tag a line, a blank line between sentences$"):
        read_conll(path)


def test_the_fields_are_read_by_name() -> None:
    first = _Line(columns=2, number=7, written=3)
    with pytest.raises(UserError, match=r"^f:7: column 3 \(tag\) is empty"):
        _token_and_tag("f", ["a", "b", "c"], _Line(columns=3, number=9, written=3), first, True)
    with pytest.raises(NotConll, match=r"^f:9: malformed row: 4 columns here, 2 columns on line 7;"):
        _token_and_tag("f", ["a", "b", "c", "d"], _Line(columns=4, number=9, written=4), first, True)
    assert _token_and_tag("f", ["a", "b"], _Line(columns=2, number=9, written=2), first, True) == ("a", "b")
