"""Pairs files as users make them: files joined with ``cat``, each beginning with a BOM (as Notepad and Excel save
UTF-8), read as one file."""

from __future__ import annotations

from pathlib import Path

from rnnkit.data.pairs import read_pairs


def test_pairs_files_joined_each_with_its_bom_have_no_bom_glued_to_a_source(tmp_path: Path) -> None:
    """The second file's BOM was glued to its first source, unseen: a sentence unlike any other to the model."""
    path = tmp_path / "joined.tsv"
    path.write_text("\ufeffhello\thola\r\n\ufeffworld\tmundo\r\n\ufeffbye\tadiós\r", encoding="utf-8")
    assert read_pairs(path) == [("hello", "hola"), ("world", "mundo"), ("bye", "adiós")]
