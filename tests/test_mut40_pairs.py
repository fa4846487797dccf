"""Mutation round 40: pairs.py's refusals and header warning (walk53) at their edges."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.data.pairs import read_pairs
from rnnkit.errors import UserError

SENTENCES = [f"sentence number {n} here\tSatz Nummer {n} hier" for n in range(10)]


def _refusal(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "p.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        read_pairs(path)
    return str(caught.value)


def _warnings(tmp_path: Path, lines: list[str]) -> list[str]:
    path = tmp_path / "p.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_pairs(path)
    return [str(w.message) for w in caught]


def test_a_later_line_of_three_fields_is_not_said_to_have_an_empty_side(tmp_path: Path) -> None:
    """Only later lines of one tab with an empty side are named: a line of two tabs is another fault."""
    said = _refusal(tmp_path, ["a\tb", "\tc", "d\te", "x\t\ty", "f\t"])
    assert "line 5 has an empty side too" in said and "4" not in said.split("too")[0].split(";")[-1]


def test_a_first_line_of_one_text_among_ids_gets_no_cut(tmp_path: Path) -> None:
    """A first line of three fields of which only one is text is refused without a `cut` (no traceback)."""
    said = _refusal(tmp_path, ["1\thello\t2", *SENTENCES])
    assert said.endswith("expected one tab between source and target, found 2") and "cut" not in said


def test_a_header_is_warned_of_where_a_tenth_of_the_rest_are_single_words(tmp_path: Path) -> None:
    """'a tenth at most': one one-word pair among ten after the header still warns."""
    said = _warnings(tmp_path, ["source\ttarget", "house\tHaus", *SENTENCES[:9]])
    assert any("look like column names" in w for w in said)


def test_a_first_line_of_numbers_is_not_a_header(tmp_path: Path) -> None:
    """Column names begin with a letter: a first pair '10<TAB>20' is data."""
    assert not any("column names" in w for w in _warnings(tmp_path, ["10\t20", *SENTENCES]))
