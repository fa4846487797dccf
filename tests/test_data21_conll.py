"""A tab-separated CoNLL column is read without the spaces around it, as conlleval and flair split lines."""

from __future__ import annotations

from pathlib import Path

from rnnkit.data.conll import read_conll
from rnnkit.data.slashtags import read_tagged


def test_spaces_around_a_tab_separated_column_are_dropped(tmp_path: Path) -> None:
    """'John \\tB-PER' was the token 'John ', a word of its own beside 'John' (unknown to the model)."""
    path = tmp_path / "train.conll"
    path.write_text("John \tB-PER\nlives\t O \n\n Paris\tB-LOC\n \tO\n", encoding="utf-8")
    sentences = read_tagged(path)
    assert sentences.tokens == [["John", "lives"], ["Paris", " "]]  # a token of spaces only is kept
    assert sentences.tags == [["B-PER", "O"], ["B-LOC", "O"]]
    assert read_conll(path, require_tags=False).tokens == sentences.tokens  # predict --file reads them so too
