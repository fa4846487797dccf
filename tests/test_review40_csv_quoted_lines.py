"""review40: fixr's CSV stray-quote check refused a good CSV (as pandas and Excel write it) whose quoted text of two
lines has a first line ending in a comma, a space and a label of the file (``Pros: fast, 5``); a line of prose so
written is now read as the text's, and a stray quote's rows (``text,label``) are still refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError

ROWS = "awful,neg\nfine,pos\nbad,neg\n"


@pytest.mark.parametrize("text", ["I liked it, pos\nreally liked it", "Pros: fast, pos\r\nWould buy again"])
def test_a_quoted_text_whose_line_ends_in_a_comma_space_and_label_is_read(tmp_path: Path, text: str) -> None:
    path = tmp_path / "good.csv"
    path.write_bytes(f'text,label\n"{text}",pos\n{ROWS}'.encode())
    assert read_table(str(path)).texts[0] == text


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_rows_a_stray_quote_took_in_are_still_refused(tmp_path: Path, end: str) -> None:
    path = tmp_path / "stray.csv"
    path.write_bytes(end.join(["text,label", '"Hi there,pos', "next one,neg", 'last",pos', "awful,neg",
                               "fine,pos", ""]).encode())
    with pytest.raises(UserError, match="stray.csv:2: this row runs on to line 4, and line 3"):
        read_table(str(path))
