"""Gaps a mutation audit of :mod:`rnnkit.data.pairs` found (round 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.pairs import read_pairs, write_pairs
from rnnkit.errors import UserError


def test_sides_are_stripped_and_lines_of_spaces_skipped(tmp_path: Path) -> None:
    path = tmp_path / "p.tsv"
    path.write_text("  \n a b \t x y \n \tz\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"p.tsv:3: the source \(before the tab\) is empty"):
        read_pairs(path)
    path.write_text("  \n a b \t x y \nz\t \n", encoding="utf-8")
    with pytest.raises(UserError, match=r"p.tsv:3: the target \(after the tab\) is empty"):
        read_pairs(path)
    path.write_text("  \n a b \t x y \n", encoding="utf-8")
    assert read_pairs(path) == [("a b", "x y")]


def test_a_later_line_without_a_tab_gets_no_hint_about_parallel_files(tmp_path: Path) -> None:
    path = tmp_path / "p.tsv"
    path.write_text("\n\na\tb\nc\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        read_pairs(path)
    assert str(info.value) == f"{path}:4: expected one tab between source and target, found 0"


def test_written_pairs_read_back_one_a_line(tmp_path: Path) -> None:
    pairs = [("a b", "x"), ("c", "y z")]
    path = write_pairs(pairs, tmp_path / "new" / "deeper" / "p.tsv")
    assert path.read_text(encoding="utf-8") == "a b\tx\nc\ty z\n"
    assert read_pairs(path) == pairs


def test_writing_pairs_over_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is a folder; expected the name of the pairs file to write"):
        write_pairs([("a", "b")], tmp_path)
