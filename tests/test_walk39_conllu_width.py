"""A CoNLL-U file with a line of another width (eleven columns, a line cut short) is refused naming the columns as
written: it said '11 columns here, 2 columns on line 2', counting line 2's word and UPOS, not its ten columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.conll import read_conll
from rnnkit.errors import UserError

WORD = "1\tJohn\tjohn\tPROPN\tNNP\t_\t2\tnsubj\t_\t_\n"


@pytest.mark.parametrize(("second", "here"), [
    ("2\tsleeps\tsleep\tVERB\tVBZ\t_\t0\troot\t_\t_\tx\n", 11),  # an eleventh column
    ("2\tsleeps\tsleep\tVERB\n", 4),                            # cut short
    ("sleeps\tVERB\n", 2),                                      # a two-column line among CoNLL-U's: was read
])
def test_a_conllu_line_of_another_width_names_ten_columns(second: str, here: int, tmp_path: Path) -> None:
    path = tmp_path / "t.conllu"
    path.write_text("# text = John sleeps\n" + WORD + second + "\n", encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{path}:3: malformed row: {here} columns here, 10 columns on line 2; "):
        read_conll(path)


def test_a_conllu_file_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "t.conllu"
    lines = ["# text = John sleeps", "1-2\tJohnsleeps" + "\t_" * 8, WORD.rstrip("\n"), "1.1\tx\t_\tX" + "\t_" * 6,
             "2\tsleeps\tsleep\tVERB\tVBZ\t_\t0\troot\t_\t_"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = read_conll(path)
    assert (got.tokens, got.tags) == ([["John", "sleeps"]], [["PROPN", "VERB"]])
