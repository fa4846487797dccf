"""walk37: two parallel files joined with ``paste``, the target's a line short (or blank on one line), were refused
with `pairs.tsv:250: the target (after the tab) is empty` alone: nothing said what to do, nor why a line's empty
side matters. The refusal now says it: fill the side or remove the line, and where a pasted file went short."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.pairs import read_pairs
from rnnkit.errors import UserError


@pytest.mark.parametrize(("content", "side"), [("a\tx\nb\tz\nc\t\n", "target"), ("a\tx\n\tz\nc\ty\n", "source")])
def test_an_empty_side_names_its_line_and_what_to_do(tmp_path: Path, content: str, side: str) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError) as info:
        read_pairs(path)
    line = 3 if side == "target" else 2
    assert str(info.value).startswith(f"{path}:{line}: the {side} (")
    assert f"fill it or remove the line (from `paste`: the {side}s' file is blank there or a line short)" in str(
        info.value)
