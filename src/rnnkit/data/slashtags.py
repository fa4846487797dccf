"""Tagged text with one sentence per line and ``word/TAG`` tokens (the Brown/Penn/pattern style).

What a user gets: :func:`read_slash_tagged` reads a file like ``The/DT cat/NN sat/VBD ./.`` (tokens
separated by whitespace, each split at its LAST slash, so ``1/2/CD`` is the word ``1/2`` tagged ``CD``)
into the :class:`rnnkit.data.conll.Sentences` that the CoNLL reader gives; blank lines are skipped (lines end
with LF, CRLF or a lone CR; the text NFC-normalised). A token without a slash, or with an empty word or tag,
is refused in one line naming the file and line.
:func:`read_tagged` takes either format: a file whose first lines with text have fields (split at spaces or
tabs) that all look like ``word/TAG`` (or all but a few, which are then refused by their line) is read as
slash-tagged, any other as CoNLL (whose tag column holds no slash).
"""

from __future__ import annotations

from pathlib import Path

from rnnkit.data.conll import Sentences, read_conll, tagged_text
from rnnkit.data.utf8 import with_lf
from rnnkit.errors import UserError

__all__ = ["first_lines", "is_slash_tagged", "looks_slash_tagged", "read_slash_tagged", "read_tagged"]

SNIFF_LINES = 20


def _split_token(token: str, name: str, number: int) -> tuple[str, str]:
    word, slash, tag = token.rpartition("/")
    if not slash or not word or not tag:
        raise UserError(f"{name}:{number}: malformed token {token!r}; expected WORD/TAG tokens separated by spaces")
    return word, tag


def read_slash_tagged(path: str | Path, content: str | None = None) -> Sentences:
    """The sentences of a ``word/TAG`` file, one sentence per non-blank line; ``content``: its text, read already by
    :func:`~rnnkit.data.conll.tagged_text` (a pipe gives it once)."""
    name = str(path)
    sentences = Sentences(name, [], [], [], one_per_line=True)
    for number, line in enumerate((tagged_text(path) if content is None else content).split("\n"), start=1):
        fields = line.split()
        if not fields:
            continue
        pairs = [_split_token(tok, name, number) for tok in fields]
        sentences.tokens.append([w for w, _ in pairs])
        sentences.tags.append([t for _, t in pairs])
        sentences.lines.append(number)
    if not sentences.tokens:
        raise UserError(f"{name}: no sentences; expected lines of WORD/TAG tokens separated by spaces")
    return sentences


def first_lines(lines: list[str]) -> list[str]:
    """The first lines with text of a file (``lines``), those its format is judged on: up to 20, comments left out."""
    return [line for line in lines if line.strip() and not line.startswith("#")][:SNIFF_LINES]


def is_slash_tagged(lines: str | list[str]) -> bool:
    """Whether ``lines`` (a line, or the first lines of a file) look like slash-tagged text: every field (split at
    spaces or tabs) ``word/TAG``; one line alone must hold two fields (a CoNLL line ``Yes/UH`` is a token),
    several lines may be one-word sentences."""
    rows = [lines] if isinstance(lines, str) else lines
    fields, tagged = _tagged_fields(rows)
    return bool(fields) and tagged == fields and (len(rows) > 1 or fields >= 2)


def _tagged_fields(lines: list[str]) -> tuple[int, int]:
    """How many fields ``lines`` hold, split at whitespace (tabs too: ``The/DT<tab>cat/NN`` is slash-tagged, a
    CoNLL line's tag column holds no slash), and how many of them are ``word/TAG``."""
    fields = [f for line in lines for f in line.split()]
    return len(fields), sum(0 < f.rfind("/") < len(f) - 1 for f in fields)


def _mostly_slash_tagged(lines: list[str]) -> bool:
    """Whether lines that :func:`is_slash_tagged` turns down are still ``word/TAG`` lines with a few malformed
    tokens: at least three fields, and more than three in four of them ``word/TAG``. A CoNLL file read
    at whitespace has a tag column whose tags hold no slash, so at most half its fields look so; read as CoNLL,
    such a file would be refused for its column counts, at another line and for another reason than its token."""
    fields, tagged = _tagged_fields(lines)
    return fields >= 3 and 4 * tagged > 3 * fields


def looks_slash_tagged(lines: list[str]) -> bool:
    """Whether a file whose lines begin with ``lines`` is read as ``word/TAG`` lines (training, ``evaluate`` and
    ``predict --file`` alike): its first lines with text (:func:`first_lines`) hold only ``word/TAG`` fields
    (:func:`is_slash_tagged`), or do but for a few malformed tokens, which reading it refuses by their line
    (:func:`_mostly_slash_tagged`)."""
    first = first_lines(lines)
    return is_slash_tagged(first) or _mostly_slash_tagged(first)


def read_tagged(path: str | Path, require_tags: bool = True) -> Sentences:
    """A tagged file in either format: ``word/TAG`` lines (see :func:`is_slash_tagged`, judged on the
    first 20 lines with text; lines of which a few tokens are malformed are read so too, to be refused by
    the first such token's line) or CoNLL."""
    if require_tags and Path(path).is_file():
        with open(path, "rb") as fh:
            chunk = fh.read(65536)
        head = with_lf(chunk.decode("utf-8-sig", errors="replace")).split("\n")
        if len(chunk) == 65536:
            head = head[:-1]  # the last line may be cut
        if looks_slash_tagged(head):
            return read_slash_tagged(path)
    return read_conll(path, require_tags=require_tags)
