"""rnnkit.data.speech.read_manifest: an empty manifest is said to be one, not quoted as if it were its header line
(found during mutation audit round 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.speech import read_manifest
from rnnkit.errors import UserError


@pytest.mark.parametrize(("text", "found"), [("", "found an empty file"), ("\n \n", "found an empty file"),
                                             ("audio text\n", "found 'audio text'")])
def test_a_manifest_without_its_header_says_what_it_found(text: str, found: str, tmp_path: Path) -> None:
    (tmp_path / "manifest.tsv").write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        read_manifest(tmp_path)
    assert str(caught.value) == (f"{tmp_path / 'manifest.tsv'}:1: expected the header 'audio<TAB>text' or "
                                 f"'audio<TAB>text<TAB>phonemes', {found}")
