"""A language model's text joined from files that each began with a BOM, the first without a final newline (``cat
a.txt b.txt``): the second file's BOM was glued mid-line and kept, a character the model trained on and learnt to
write, unseen (one that begins a line was already dropped). Every U+FEFF is now dropped from the text; the judge is
the text Python reads from each part on its own (``utf-8-sig``), one after another."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.text import decode_text, read_utf8, text_pieces
from rnnkit.errors import UserError
from rnnkit.tasks._charlm_verbs import _read_score_file
from tests.test_walk56_joined_boms import _joined as joined_parts

PARTS = ["no final newline here", "second file\r\nends", "third file\n"]


def _joined(tmp_path: Path) -> tuple[Path, str]:
    return joined_parts(tmp_path, PARTS)


def test_a_bom_glued_mid_line_is_not_read_as_text(tmp_path: Path) -> None:
    joined, expected = _joined(tmp_path)
    assert "\ufeff" not in expected and "here\ufeff" in joined.read_text(encoding="utf-8")
    assert read_utf8(joined) == expected
    assert decode_text(joined.read_bytes(), "all.txt") == expected
    assert "".join(text_pieces(joined)) == expected


def test_the_prepared_vocabulary_lacks_it(tmp_path: Path) -> None:
    joined, expected = _joined(tmp_path)
    assert main(["prepare", str(joined), "--out", str(tmp_path / "prep")]) == 0
    chars = json.loads((tmp_path / "prep" / "vocab.json").read_text(encoding="utf-8"))["chars"]
    assert sorted(chars) == sorted(set(expected))


def test_score_reads_standard_input_without_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    joined, expected = _joined(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(joined.read_bytes()), encoding="utf-8"))
    assert _read_score_file("-") == expected


def test_a_file_of_boms_and_blanks_is_refused_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "boms.txt"
    path.write_bytes("\ufeff\ufeff \n\ufeff".encode())
    with pytest.raises(UserError, match=r"boms\.txt: the file is empty; expected UTF-8 text$"):
        read_utf8(path)
