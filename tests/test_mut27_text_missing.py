"""Mutation round 27 of the ``missing=`` keyword of rnnkit.data.text's readers: ``text_pieces`` and ``load_text``,
like ``read_utf8``, add training's ``--data`` hint (``DATA_MISSING``) to a missing file's refusal by default, and
nothing for ``missing=""`` (the report's section, which says the reader's line once)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rnnkit.data import text
from rnnkit.errors import UserError

READERS: dict[str, Callable[..., object]] = {
    "text_pieces": lambda path, **kw: list(text.text_pieces(path, **kw)),
    "load_text": text.load_text,
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_missing_file_says_the_data_hint_unless_told_otherwise(reader: str, tmp_path: Path) -> None:
    gone = tmp_path / "gone.txt"
    with pytest.raises(UserError) as default:
        READERS[reader](str(gone))
    assert str(default.value) == f"{gone}: no such file; {text.DATA_MISSING}"
    with pytest.raises(UserError) as plain:
        READERS[reader](str(gone), missing="")
    assert str(plain.value) == f"{gone}: no such file"
