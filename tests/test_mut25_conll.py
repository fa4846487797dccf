"""Mutation audit round 25 of read_conll's checks of a token line (rnnkit.data.conll._token_and_tag): each refusal
whole, and the first token line's missing tag named at its own line (not at the next line, as a line of another
width)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.conll import read_conll
from rnnkit.errors import UserError


def refusal(tmp_path: Path, text: str, *, require_tags: bool = True) -> str:
    path = tmp_path / "a.conll"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        read_conll(path, require_tags=require_tags)
    return str(caught.value).replace(str(path), "a.conll")


@pytest.mark.parametrize("text", ["John\nlives\tO\n", "\n\nJohn\n", "John\n"])
def test_the_first_token_lines_missing_tag_is_named_at_its_line(tmp_path: Path, text: str) -> None:
    line = text.split("\n").index("John") + 1
    assert refusal(tmp_path, text) == (f"a.conll:{line}: malformed row: column 2 (tag) is missing; expected "
                                       "'TOKEN<tab>TAG' with a blank line between sentences")


@pytest.mark.parametrize(("text", "said"), [
    ("John\tB-PER\nlives\t \n", "a.conll:2: column 2 (tag) is empty; expected 'TOKEN<tab>TAG'"),
    ("John\tx\tB-PER\nlives\tx\t\n", "a.conll:2: column 3 (tag) is empty; expected 'TOKEN<tab>TAG'"),
    ("John\tB-PER\n\tO\n", "a.conll:2: column 1 (token) is empty; expected 'TOKEN<tab>TAG'"),
])
def test_an_empty_tag_or_token_is_refused_whole(tmp_path: Path, text: str, said: str) -> None:
    assert refusal(tmp_path, text) == said
    assert refusal(tmp_path, text, require_tags=False) == said


def test_an_untagged_file_reads_its_tokens_without_tags(tmp_path: Path) -> None:
    path = tmp_path / "a.conll"
    path.write_text("John\nlives\n\nParis\n", encoding="utf-8")
    sentences = read_conll(path, require_tags=False)
    assert (sentences.tokens, sentences.tags, sentences.lines) == ([["John", "lives"], ["Paris"]], [None, None], [1, 4])
