"""Mutation audit round 24 of Excel's ``sep=`` line found by a lazy line scan (tabular._refuse_separator_line): the
line the reader names is found at lone-CR and CRLF line ends as the csv reader counts them, and as the file's last
line without an end; each was shown as its stripped cell 'sep=', not as written, 'sep=\\t'."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError


@pytest.mark.parametrize("content", ["\rsep=\t\rtext\tlabel\rgood film\tpos\r",
                                     "\r\nsep=\t\r\ntext\tlabel\r\ngood film\tpos\r\n", "\nsep=\t"],
                         ids=["lone-CR", "CRLF", "last-line"])
def test_the_separator_line_is_found_at_every_line_end(tmp_path: Path, content: str) -> None:
    path = tmp_path / "t.tsv"
    path.write_text(content, encoding="utf-8", newline="")
    with pytest.raises(UserError, match=r"t\.tsv:2: 'sep=\\t' is Excel's line naming the separator"):
        read_table(path)
