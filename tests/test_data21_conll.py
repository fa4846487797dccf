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


def test_word_tag_tokens_separated_by_tabs_are_slash_tagged(tmp_path: Path) -> None:
    """Lines of as many tokens were read as CoNLL (the token 'The/DT' tagged 'sat/VBD'); others were refused for
    their column counts."""
    same = tmp_path / "same.txt"
    same.write_text("The/DT\tcat/NN\tsat/VBD\nA/DT\tdog/NN\tbarks/VBZ\n", encoding="utf-8")
    sentences = read_tagged(same)
    assert sentences.tokens == [["The", "cat", "sat"], ["A", "dog", "barks"]]
    assert sentences.tags == [["DT", "NN", "VBD"], ["DT", "NN", "VBZ"]]
    other = tmp_path / "other.txt"
    other.write_text("The/DT\tcat/NN\tsat/VBD\t./.\nIt/PRP\tslept/VBD\n", encoding="utf-8")
    assert read_tagged(other).tags == [["DT", "NN", "VBD", "."], ["PRP", "VBD"]]


def test_a_conll_file_of_slashed_tokens_is_still_conll(tmp_path: Path) -> None:
    path = tmp_path / "train.conll"
    path.write_text("1/2\tCD\nw/o\tIN\n\nand/or\tCC\n", encoding="utf-8")
    assert read_tagged(path).tokens == [["1/2", "w/o"], ["and/or"]]
