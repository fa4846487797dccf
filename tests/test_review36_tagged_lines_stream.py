"""``predict --file`` of a tagger lines its output up with the file (fixm's ``tagged_lines``), but first made a dict
of every token's tagged line, all of them held beside the file's text and its lines: a large file's tokens a
third time in memory. The tagged lines are now made as the file's lines reach them: the first line comes out
before the second sentence's tags are read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rnnkit.data.conll import read_conll, tagged_lines


class _Tags(list):  # type: ignore[type-arg]
    """The tags of each sentence, counting how many sentences' tags were read."""

    read = 0

    def __iter__(self) -> Iterator[list[str]]:
        for tags in super().__iter__():
            self.read += 1
            yield tags


def test_the_first_line_comes_before_the_later_sentences_are_read(tmp_path: Path) -> None:
    path = tmp_path / "test.conll"
    path.write_text("-DOCSTART- O\n\nJohn\nleft\n\n\nMary\nstayed\n\nBob\n", encoding="utf-8")
    sentences = read_conll(path, require_tags=False)
    tags = _Tags([["B-PER", "O"], ["B-PER", "O"], ["B-PER"]])
    lines = tagged_lines(sentences, tags)
    assert [next(lines) for _ in range(3)] == ["-DOCSTART- O", "", "John\tB-PER"]
    assert tags.read == 1
    assert list(lines) == ["left\tO", "", "", "Mary\tB-PER", "stayed\tO", "", "Bob\tB-PER"]
