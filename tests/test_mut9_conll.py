"""Gaps a mutation audit of :mod:`rnnkit.data.conll` found (round 9): each test fails on one changed line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.conll import Sentences, read_conll
from rnnkit.errors import UserError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def conllu_line(ident: str, form: str, upos: str) -> str:
    return "\t".join([ident, form, form.lower(), upos, "X", "_", "0", "root", "_", "_"]) + "\n"


def test_where_a_tag_is_written_for_each_kind_of_file(tmp_path: Path) -> None:
    s = read_conll(write(tmp_path / "a.conll", "\nJohn\tB-PER\nlives\tO\n\nin\tO\nParis\tB-LOC\n"))
    assert s.tag_at(0, 1) == f"{tmp_path / 'a.conll'}:3: column 2 (tag)"
    assert s.tag_at(1, 1) == f"{tmp_path / 'a.conll'}:6: column 2 (tag)"
    one = Sentences("b.txt", [["The", "cat"]], [["DT", "NN"]], [4], one_per_line=True)
    assert one.tag_at(0, 1) == "b.txt:4: token 2 ('cat'), tag"
    assert one.subset([0]).tag_at(0, 0) == "b.txt:4: token 1 ('The'), tag"


def test_conllu_token_lines_start_afresh_in_each_sentence(tmp_path: Path) -> None:
    text = ("# sent_id = 1\n" + conllu_line("1", "Ja", "INTJ") + conllu_line("2", "gut", "ADJ") + "\n"
            + "# sent_id = 2\n" + conllu_line("1", "Nein", "INTJ") + conllu_line("1.1", "ist", "VERB")
            + conllu_line("2", "danke", "VERB"))
    s = read_conll(write(tmp_path / "a.conllu", text))
    assert s.tokens == [["Ja", "gut"], ["Nein", "danke"]]
    assert s.token_lines == [[2, 3], [6, 8]]
    assert s.tag_at(1, 1) == f"{tmp_path / 'a.conllu'}:8: column 4 (UPOS)"


@pytest.mark.parametrize("ident", ["0", "2a", "1-2x"])
def test_a_ten_column_line_without_a_word_number_is_not_conllu(tmp_path: Path, ident: str) -> None:
    s = read_conll(write(tmp_path / "a.txt", f"{ident} b c d e f g h i TAG\n"))
    assert s.tokens == [[ident]] and s.tags == [["TAG"]] and s.token_lines is None


def test_an_eleven_column_line_is_not_conllu(tmp_path: Path) -> None:
    s = read_conll(write(tmp_path / "a.txt", "1 b c d e f g h i j TAG\n"))
    assert s.tokens == [["1"]] and s.tags == [["TAG"]]


def test_a_line_of_spaces_ends_a_sentence(tmp_path: Path) -> None:
    s = read_conll(write(tmp_path / "a.conll", "a\tX\n   \nb\tY\n"))
    assert s.tokens == [["a"], ["b"]] and s.lines == [1, 3]


def test_an_empty_tag_or_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"a.conll:2: column 2 \(tag\) is empty"):
        read_conll(write(tmp_path / "a.conll", "a\tX\nb\t \n"))
    with pytest.raises(UserError, match=r"b.conll:1: column 1 \(token\) is empty"):
        read_conll(write(tmp_path / "b.conll", "\tX\n"))


def test_a_docstart_line_ends_the_sentence_it_interrupts(tmp_path: Path) -> None:
    """CoNLL-2003's ``-DOCSTART-`` is a document boundary (flair's and AllenNLP's readers end the sentence there),
    also without the blank line before it: it was skipped inside the sentence, which then ran on into the next
    document, and a tag after it was said to be one line early (on the -DOCSTART- line)."""
    text = "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n-DOCSTART- -X- -X- O\nGerman JJ B-NP B-MISC\ncall NN I-NP O\n"
    s = read_conll(write(tmp_path / "a.conll", text))
    assert s.tokens == [["EU", "rejects"], ["German", "call"]]
    assert s.tags == [["B-ORG", "O"], ["B-MISC", "O"]] and s.lines == [1, 4]
    assert s.tag_at(1, 1) == f"{tmp_path / 'a.conll'}:5: column 4 (tag)"  # 'call', on line 5 of the text


def test_a_conll2003_files_tag_is_named_in_its_own_column(tmp_path: Path) -> None:
    """A four-column CoNLL-2003 file's tag is its last column, 4: messages name that column, not column 2."""
    s = read_conll(write(tmp_path / "a.conll", "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n"))
    assert s.tags == [["B-ORG", "O"], ["B-PER"]]
    assert s.tag_at(0, 1) == f"{tmp_path / 'a.conll'}:2: column 4 (tag)"
    assert s.subset([1]).tag_at(0, 0) == f"{tmp_path / 'a.conll'}:4: column 4 (tag)"
    with pytest.raises(UserError, match=r"a2.conll:2: column 4 \(tag\) is empty"):
        read_conll(write(tmp_path / "a2.conll", "EU\tNNP\tB-NP\tB-ORG\nrejects\tVBZ\tB-VP\t \n"))
