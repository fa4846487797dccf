"""Mutation round 40: the CSV stray-quote refusal (fixr) at its edges: a row that takes in one line, a blank line
first inside it, a label column first; a label written after a space is the text's."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError

ROWS = "good film,pos\nbad film,neg\ngreat,pos\nawful,neg\n"


def refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "stray.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        read_table(path)
    return str(caught.value)


def test_a_quote_that_takes_in_one_line_is_refused(tmp_path: Path) -> None:
    said = refusal(tmp_path, f'text,label\n{ROWS}"5 screen,pos\nbought the 12",pos\n')
    assert "stray.csv:6: this row runs on to line 7, and line 7, inside it, reads as a row of its own" in said


def test_the_line_named_inside_is_not_a_blank_one(tmp_path: Path) -> None:
    said = refusal(tmp_path, f'text,label\n{ROWS}"5 screen,pos\n\nok film,neg\nbought the 12",pos\n')
    assert "stray.csv:6: this row runs on to line 9, and line 8, inside it," in said


def test_a_label_column_first_is_checked_too(tmp_path: Path) -> None:
    rows = "".join(f"{label},{text}\n" for text, label in (line.split(",") for line in ROWS.splitlines()))
    said = refusal(tmp_path, f'label,text\n{rows}pos,"5 screen\nneg,ok film\npos,bought the 12"\n')
    assert "stray.csv:6: this row runs on to line 8, and line 7, inside it, reads as a row of its own" in said


def test_a_label_after_a_space_is_text_not_a_row(tmp_path: Path) -> None:
    """review40's rule: a line reads as a row of its own only when the label follows the comma at once, as a CSV
    writer writes a row; ', neg' inside a quoted text is the text's (a review's 'Pros: fast, 5')."""
    path = tmp_path / "quoted.csv"
    path.write_text(f'text,label\n{ROWS}"5 screen great,pos\nok film, neg\nbought the 12",pos\n', encoding="utf-8")
    table = read_table(path)
    assert table.texts[-1] == "5 screen great,pos\nok film, neg\nbought the 12" and table.labels[-1] == "pos"
