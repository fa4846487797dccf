"""``rnnkit train classify --label-separator``: the warning that the separator split no label cell, said only
when no file has a cell it split, naming the first file and the longest label (mutation audit round 17)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._classify_data import _warn_unsplit


def _table(path: Path, cells: list[str], separator: str = "|") -> object:
    path.write_text("text,label\n" + "".join(f"w{i} x,\"{c}\"\n" for i, c in enumerate(cells)), encoding="utf-8")
    return read_table(path, label_separator=separator)


def test_a_separator_that_splits_a_cell_of_one_file_is_not_warned_of(tmp_path: Path) -> None:
    """The training file's 'a|b' was split: a validation file whose cells hold one label each is no sign of a
    mistyped separator."""
    train = _table(tmp_path / "train.csv", ["a|b", "a"])
    val = _table(tmp_path / "val.csv", ["a", "b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_unsplit("|", "label", train, val)
        _warn_unsplit("|", "label", val, train)


def test_the_warning_names_the_first_file_and_the_longest_label_the_greatest_of_equals(tmp_path: Path) -> None:
    train = _table(tmp_path / "train.csv", ["ab,b", "a", "ab,c"])
    val = _table(tmp_path / "val.csv", ["b"])  # 'ab,b' then 'ab,c': not the first of equals, the greatest
    with pytest.warns(RnnkitWarning) as caught:
        _warn_unsplit("|", "label", train, val)
    assert [str(w.message) for w in caught] == [
        f"{tmp_path / 'train.csv'}: --label-separator '|' splits no label of column 'label'; every text has one "
        "label (the longest: 'ab,c'); is the separator another character?"]


@pytest.mark.parametrize("separator", [None, ""])
def test_no_separator_is_no_warning(tmp_path: Path, separator: str | None) -> None:
    """A single-label file read without --label-separator is what the user asked for."""
    train = _table(tmp_path / "train.csv", ["a,b", "a"], separator=separator)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_unsplit(separator, "label", train, train)


def test_the_warning_names_the_label_column_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("text,tags\nw x,\"a,b\"\n", encoding="utf-8")
    table = read_table(path, label_column="tags", label_separator="|")
    with pytest.warns(RnnkitWarning, match="splits no label of column 'tags'; every text has one label"):
        _warn_unsplit("|", "tags", table)
