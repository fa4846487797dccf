"""Tagged files as users export them: lines ended by a lone CR (an old Mac file, Excel for Mac's text export)
are lines, in CoNLL and in WORD/TAG form, as the other readers of rnnkit take them."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.conll import read_conll
from rnnkit.data.slashtags import read_tagged
from rnnkit.errors import UserError

CONLL = "John\tB-PER\nlives\tO\n\nParis\tB-LOC\n"


@pytest.mark.parametrize("content", [CONLL, CONLL.replace("\t", " ")])
def test_a_conll_file_of_lone_cr_line_ends_is_read_by_its_lines(tmp_path: Path, content: str) -> None:
    path = tmp_path / "old-mac.conll"
    path.write_bytes(content.replace("\n", "\r").encode())
    sentences = read_tagged(path)
    assert sentences.tokens == [["John", "lives"], ["Paris"]]
    assert sentences.tags == [["B-PER", "O"], ["B-LOC"]]
    assert sentences.lines == [1, 4]
    assert read_conll(path, require_tags=False).tokens == [["John", "lives"], ["Paris"]]  # predict --file


def test_a_slash_tagged_file_of_lone_cr_line_ends_is_a_sentence_a_line(tmp_path: Path) -> None:
    path = tmp_path / "old-mac.txt"
    path.write_bytes(b"The/DT cat/NN\rA/DT 1/2/CD dog/NN\r")
    sentences = read_tagged(path)
    assert sentences.one_per_line
    assert sentences.tokens == [["The", "cat"], ["A", "1/2", "dog"]]
    assert sentences.lines == [1, 2]


def test_a_bad_token_of_a_lone_cr_file_is_named_by_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "old-mac.txt"
    path.write_bytes(b"The/DT cat/NN\rA/DT dog/NN\rbad/ x/NN y/NN\r")
    with pytest.raises(UserError, match=r"old-mac\.txt:3: malformed token 'bad/'"):
        read_tagged(path)
