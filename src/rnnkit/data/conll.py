"""Token-per-line tagging files in the CoNLL style.

What a user gets: :func:`read_conll` reads a file with one token and its tag per line, a blank line between
sentences, into :class:`Sentences` (lines ended by LF, CRLF or a lone CR; the text NFC-normalised). Columns are
separated by a tab (spaces around a column dropped, so ``John <tab>B-PER`` is the token ``John``; a token may itself be
a space) or, on lines without a tab, by whitespace; the first column is the token and the last the tag, so
four-column CoNLL-2003 files work too. A line of CoNLL-U (or CoNLL-X): ten tab-separated columns, the first a word's
number, gives the word form (column 2) and its universal part of speech (column 4, UPOS); its multiword-token lines
(``1-2``) and empty nodes (``1.1``) are skipped, as the words they span are on lines of their own. ``-DOCSTART-``
lines are skipped (each ends a sentence), and so are comments as in CoNLL-U: in a tab-separated file, a line without
a tab that starts with ``#`` between sentences. Any other ``#`` line is a token (a hashtag, the Penn Treebank's
``#``). With ``require_tags=False`` a file of bare tokens is accepted (for prediction). :func:`write_conll` writes
tokens and tags back in the same format.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from rnnkit.data.utf8 import read_utf8, without_line_boms
from rnnkit.errors import UserError
from rnnkit.files import output_file
from rnnkit.wording import counted

__all__ = ["TAGGED", "UNTAGGED", "NotConll", "Sentences", "read_conll", "tagged_lines", "tagged_text", "write_conll"]

#: what a tagged file is (the formats :func:`rnnkit.data.slashtags.read_tagged` reads), for a message
TAGGED = "a tagged file (CoNLL: TOKEN<tab>TAG per line; or WORD/TAG tokens, a sentence a line)"
#: what a file of tokens to tag is (``read_conll(require_tags=False)``), for a message
UNTAGGED = "a CoNLL file (a token per line, a blank line between sentences)"

#: the ID column of a CoNLL-U/CoNLL-X word line; a range (``1-2``, a multiword token) or a decimal (``1.1``, an
#: empty node) in group 2
_CONLLU_ID = re.compile(r"^[1-9][0-9]*([-.][0-9]+)?$")


@dataclass
class Sentences:
    """Sentences of a CoNLL file: ``tokens[i]`` with ``tags[i]`` (None without a tag column), the
    ``i``-th sentence starting on line ``lines[i]`` of ``path`` (``one_per_line``: a sentence a line, as
    in ``word/TAG`` files)."""

    path: str
    tokens: list[list[str]]
    tags: list[list[str] | None]
    lines: list[int]
    one_per_line: bool = False
    #: for a file with lines skipped inside its sentences (CoNLL-U), the line of each token
    token_lines: list[list[int]] | None = None
    #: the column the tags are read from, counted from 1: the last (4 in a CoNLL-2003 file)
    tag_column: int = 2
    #: the file's text where it was given to :func:`read_conll` (``content``), for :func:`tagged_lines`
    text: str | None = None

    def __len__(self) -> int:
        return len(self.tokens)

    def subset(self, indices: Sequence[int]) -> Sentences:
        return Sentences(self.path, [self.tokens[i] for i in indices], [self.tags[i] for i in indices],
                         [self.lines[i] for i in indices], self.one_per_line,
                         None if self.token_lines is None else [self.token_lines[i] for i in indices],
                         self.tag_column)

    def tags_from(self) -> str | None:
        """Which column the tags were read from, said where a file has more than a token and a tag a line (a
        CoNLL-2003 file's NER tags, its last column, not its part of speech; CoNLL-U's UPOS); None otherwise."""
        if self.token_lines is not None:
            return "column 4, UPOS"
        if self.one_per_line or self.tag_column <= 2:
            return None
        return f"column {self.tag_column}, the last"

    def tag_at(self, i: int, offset: int) -> str:
        """Where the tag of token ``offset`` of sentence ``i`` is written, for an error message."""
        if self.one_per_line:
            return f"{self.path}:{self.lines[i]}: token {offset + 1} ({self.tokens[i][offset]!r}), tag"
        if self.token_lines is not None:
            return f"{self.path}:{self.token_lines[i][offset]}: column 4 (UPOS)"
        return f"{self.path}:{self.lines[i] + offset}: column {self.tag_column} (tag)"


def tagged_text(path: str | Path, expected: str = TAGGED) -> str:
    """The text of a tagged file: UTF-8 (refused in one line otherwise, naming ``expected``), its lines ended by
    LF, CRLF or a lone CR (an old Mac file) made LF, NFC-normalised as the classifier's texts are, so that a word
    typed with a combining accent or Hangul typed as jamo (macOS writes both so) is the word of the other
    spelling; a BOM at the start of a line (files joined, each with its BOM) dropped, as the file's first is."""
    return unicodedata.normalize("NFC", without_line_boms(read_utf8(path, expected, newlines=True)))


class NotConll(UserError):
    """A file whose lines have different numbers of columns: not CoNLL (perhaps a sentence a line)."""


def _split(line: str) -> list[str]:
    """A line's columns: split at tabs, each stripped of the spaces around it (``John <tab>B-PER``, as a spreadsheet
    or a hand keeps them, is the token ``John``; a token that is spaces only is kept, a space being a token of some
    corpora); on a line without a tab, split at whitespace."""
    if "\t" in line:
        return [field.strip() or field for field in line.split("\t")]
    return line.split()


class _Line(NamedTuple):
    """A token line's width (every line is checked against the file's first token line's): its ``columns`` (a
    CoNLL-U line's ten, not the word and UPOS taken from them), its ``number``, and its columns as ``written``, before
    the empty ones ending it were dropped."""

    columns: int
    number: int
    written: int


def _trimmed(fields: list[str], width: int) -> list[str]:
    """A tab-separated line's columns without the empty ones that end it beyond ``width`` (the file's first token
    line's columns; for that line itself 2, or 1 where tags are not required): ``John<tab>B-PER<tab>``, a tab ending
    each line as a spreadsheet's export or a script leaves it, is a token and its tag, as conlleval and flair read it,
    and for ``predict --file`` ``John<tab>`` a token (a sheet's empty tag column). An empty tag within the width is
    still refused by its column, the first line's where the lines after it have a tag."""
    while len(fields) > width and not fields[-1].strip():
        fields = fields[:-1]
    return fields


def read_conll(path: str | Path, require_tags: bool = True, content: str | None = None) -> Sentences:
    """Read a two-column (token, tag) file with blank lines between sentences; ``content``: its text, read already
    by :func:`tagged_text` (a pipe, ``--file <(zcat test.conll.gz)``, gives it once), kept as the sentences'
    ``text``."""
    name = str(path)
    sentences = Sentences(name, [], [], [], text=content)
    if content is None:
        content = tagged_text(path, TAGGED if require_tags else UNTAGGED)
    tokens: list[str] = []
    tags: list[str] = []
    numbers: list[int] = []  # the line of each token
    lines_of: list[list[int]] = []  # each sentence's numbers, kept for CoNLL-U (lines skipped inside sentences)
    start = 0
    has_tags: bool | None = None
    first: _Line | None = None  # the first token line, which the lines after it are checked against
    conllu = False

    def close() -> None:
        nonlocal tokens, tags, numbers
        if tokens:
            sentences.tokens.append(tokens)
            sentences.tags.append(tags if has_tags else None)
            sentences.lines.append(start)
            lines_of.append(numbers)
        tokens, tags, numbers = [], [], []

    tabbed = "\t" in content  # comments only in tab-separated files: in others a '#...' line is a token
    for number, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            close()
            continue
        if line.startswith("-DOCSTART-"):
            close()  # a document boundary, with or without a blank line before it (flair's, AllenNLP's readers)
            continue
        if line.startswith("#") and not tokens and tabbed and "\t" not in line:
            continue  # a CoNLL-U comment comes between sentences; elsewhere '#' is a token (a hashtag, PTB's '#')
        written = _split(line)
        fields = _trimmed(written, first.columns if first else 2 if require_tags else 1)
        here = _Line(len(fields), number, len(written))
        word = _conllu_word(fields)
        if word is not None:
            conllu = True
            if not word:
                continue  # a multiword token or an empty node: its words have lines of their own
            fields = word
        if not tokens:
            start = number
        numbers.append(number)
        first = first or here
        token, tag = _token_and_tag(name, fields, here, first, require_tags)
        has_tags = tag is not None
        tokens.append(token)
        if tag is not None:
            tags.append(tag)
    close()
    if not sentences.tokens:
        raise UserError(f"{name}: no sentences; expected lines 'TOKEN<tab>TAG' with blank lines between sentences")
    if conllu:
        sentences.token_lines = lines_of
    elif first is not None:
        sentences.tag_column = max(first.columns, 2)
    return sentences


def _token_and_tag(name: str, fields: list[str], here: _Line, first: _Line,
                   require_tags: bool) -> tuple[str, str | None]:
    """A token line's token and tag (``None`` in an untagged file) from its ``fields`` (a CoNLL-U line's word and
    UPOS), once the line (``here``) is checked against the file's ``first`` token line."""
    number = here.number
    if len(fields) < 2 and require_tags:
        raise UserError(
            f"{name}:{number}: malformed row: column 2 (tag) is missing; expected 'TOKEN<tab>TAG' "
            "with a blank line between sentences"
        )
    if here.columns == first.written > first.columns:  # the first line's empty last column was its tag, as this says
        raise UserError(f"{name}:{first.number}: column {first.written} (tag) is empty; expected 'TOKEN<tab>TAG'")
    if here.columns != first.columns:  # a sentence a line ('John lives in Paris') is not token, tag
        raise NotConll(
            f"{name}:{number}: malformed row: {counted(here.columns, 'column')} here, "
            f"{counted(first.columns, 'column')} on line {first.number}; expected CoNLL: a token and its tag a line, a "
            "blank line between sentences"
        )
    if len(fields) < 2:
        return fields[0], None
    token, tag = fields[0], fields[-1].strip()
    if not tag:
        raise UserError(f"{name}:{number}: column {len(fields)} (tag) is empty; expected 'TOKEN<tab>TAG'")
    if token == "":
        raise UserError(f"{name}:{number}: column 1 (token) is empty; expected 'TOKEN<tab>TAG'")
    return token, tag


def _conllu_word(fields: list[str]) -> list[str] | None:
    """A CoNLL-U/CoNLL-X line's word form and UPOS (``[]`` for a multiword token or an empty node, which
    are skipped); None for a line of another format."""
    if len(fields) != 10 or not _CONLLU_ID.match(fields[0]):
        return None
    return [] if "-" in fields[0] or "." in fields[0] else [fields[1], fields[3]]


def write_conll(path: str | Path, tokens: Sequence[Sequence[str]], tags: Sequence[Sequence[str]],
                lines: Iterable[str] | None = None) -> None:
    """Write ``token<TAB>tag`` lines, a blank line after each sentence, whole or not at all; or ``lines``, the
    sentences in the layout of the file they were read from (:func:`tagged_lines`)."""
    with output_file(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for line in _sentence_lines(tokens, tags) if lines is None else lines:
            fh.write(f"{line}\n")


def _sentence_lines(tokens: Sequence[Sequence[str]], tags: Sequence[Sequence[str]]) -> Iterator[str]:
    for sent, sent_tags in zip(tokens, tags, strict=True):
        yield from (f"{tok}\t{tag}" for tok, tag in zip(sent, sent_tags, strict=True))
        yield ""


def tagged_lines(sentences: Sentences, tags: Sequence[Sequence[str]]) -> Iterator[str]:
    """The file ``sentences`` were read from (:func:`read_conll`), line for line, each token's line as
    ``token<TAB>tag`` (``tags``, one a token) and every other line as written: blank lines, ``-DOCSTART-`` lines,
    CoNLL-U comments and multiword-token lines. Its Nth line is the file's, so it pastes beside the file (``paste
    test.conll <(cut -f2 tagged)``), as conlleval reads a tagger's output; a tag for each token, as NCRF++ and
    flair write them. The tagged lines are made as they are reached (the token lines come in the file's order), not
    all held at once beside the file's text."""
    tagged = _numbered(sentences, tags)
    at, said = next(tagged, (0, ""))
    text = sentences.text if sentences.text is not None else tagged_text(sentences.path)
    written = text.split("\n")
    if text.endswith("\n"):
        written.pop()  # the file's last line end ends no line more
    for number, line in enumerate(written, start=1):
        if number == at:
            yield said
            at, said = next(tagged, (0, ""))
        else:
            yield line


def _numbered(sentences: Sentences, tags: Sequence[Sequence[str]]) -> Iterator[tuple[int, str]]:
    """Each token's line in the file ``sentences`` were read from, with ``token<TAB>tag``, in the file's order."""
    for i, (sent, sent_tags) in enumerate(zip(sentences.tokens, tags, strict=True)):
        numbers = (sentences.token_lines[i] if sentences.token_lines is not None
                   else range(sentences.lines[i], sentences.lines[i] + len(sent)))
        yield from ((n, f"{tok}\t{tag}") for n, tok, tag in zip(numbers, sent, sent_tags, strict=True))
