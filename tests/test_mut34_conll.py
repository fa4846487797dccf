"""Mutation round 34 on CoNLL reading: predict --file's half-known rule at its boundary and for two lines, the
columns of a CoNLL-U line after a first line of another width, the tag column of a three-column file, and a
token list whose empty tag column ends each line with a tab (refused by predict as 'column 2 (tag) is empty')."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.conll import read_conll
from rnnkit.errors import UserError
from rnnkit.tasks._tag_verbs import _file_to_tag

TAGS = ["O", "B-PER", "I-PER"]


def test_a_block_of_lines_half_of_whose_last_column_the_model_knows_stays_conll(tmp_path: Path) -> None:
    path = tmp_path / "one.conll"
    path.write_text("John\tB-PER\nParis\tB-LOC\n", encoding="utf-8")  # B-LOC: a tag of the test file only
    assert _file_to_tag(str(path), TAGS).tokens == [["John", "Paris"]]


def test_two_plain_sentences_of_two_words_are_plain_sentences(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("good morning\nhello there\n", encoding="utf-8")
    assert _file_to_tag(str(path), TAGS) == ["good morning", "hello there"]


def test_a_conllu_line_after_a_two_column_first_line_counts_its_ten_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.conll"
    path.write_text("John\tPROPN\n2\tsleeps\tsleep\tVERB\tVBZ\t_\t0\troot\t_\t_\n", encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{path}:2: malformed row: 10 columns here, 2 columns on line 1; "):
        read_conll(path)


def test_a_three_column_files_tags_are_said_to_be_its_last_column(tmp_path: Path) -> None:
    path = tmp_path / "pos_ner.conll"
    path.write_text("John\tNNP\tB-PER\nsleeps\tVBZ\tO\n", encoding="utf-8")
    assert read_conll(path).tags_from() == "column 3, the last"


def test_tokens_each_ended_by_a_tab_are_tokens_to_predict(tmp_path: Path) -> None:
    path = tmp_path / "sheet.tsv"
    path.write_text("John\t\nlives\t\n\nMary\t\n", encoding="utf-8")
    assert _file_to_tag(str(path), TAGS).tokens == [["John", "lives"], ["Mary"]]
    with pytest.raises(UserError, match=rf"^{path}:1: column 2 \(tag\) is empty"):
        read_conll(path)  # for training: as before


def test_a_first_lines_empty_tag_is_still_named_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "t.conll"
    path.write_text("John\t\nlives\tO\n", encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{path}:1: column 2 \(tag\) is empty"):
        read_conll(path)
    with pytest.raises(UserError, match=rf"^{path}:1: column 2 \(tag\) is empty"):
        read_conll(path, require_tags=False)  # predict --file: the lines after it have tags
