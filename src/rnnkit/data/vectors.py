"""Pretrained word vectors (``--pretrained-vectors FILE``): fastText's ``-pretrainedVectors``, OpenNMT-py's
``-pre_word_vecs_enc``, the pretrained embeddings of Lample et al. (2016)'s tagger.

- :func:`vector_dimension`: the vectors' size, from the file's first lines, before the model is sized.
- :func:`read_vectors`: the vectors of the given words, read streamed (a ``.vec`` file can be gigabytes: only the
  vocabulary's rows are kept, and only theirs are parsed as numbers; every row's count of values is checked).
- :func:`copy_vectors`: those vectors into the rows of an ``nn.Embedding`` whose row ``i`` is ``words[i]``.

Formats: word2vec/fastText text (``.vec``: a first line ``COUNT DIM``, then ``word v1 ... vDIM`` a line) and
GloVe (no header line), UTF-8 (a leading BOM is dropped), the fields split at ASCII whitespace (a word is any
run of other characters); a first line of two whole numbers is a header unless the rows after it say it is a
GloVe row of one value whose word is a number (:func:`_start`: ``1 2`` before rows of one value, where a later
row of 2 values is refused as a .vec whose second row was cut short; ``N 1`` before rows of one value and not N
of them). ``FILE.gz`` is read through gzip. A word is looked up NFC-normalised, as
the tokenizers write the texts' words, and where the file lacks it, in lower case, then with its digits written
0 (:func:`forms`).
The first row of a word written twice is the one kept (gensim's too; fastText's loader takes the last), with a
warning. Bad input is a one-line :class:`UserError` naming the file and the line; so is a header whose COUNT is
more than the rows that follow (a file cut short), while more rows than it are all read, with a warning. Only the
kept rows' values are parsed (for speed): a value that is not a number on another word's row is not noticed.
"""

from __future__ import annotations

import gzip
import itertools
import math
import os
import re
import stat
import sys
import unicodedata
import zlib
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import torch
from torch import nn

from rnnkit.data.utf8 import unreadable
from rnnkit.errors import UserError, warn
from rnnkit.wording import counted

__all__ = ["Vectors", "copy_vectors", "forms", "looked_up", "read_vectors", "vector_dimension", "vocabulary_words"]

FLOAT32_MAX = float(torch.finfo(torch.float32).max)
#: the least size that float32 rounds to infinity: halfway from its largest (odd) value to 2**128, rounded to even
#: (3.4028235e+38, numpy's print of FLOAT32_MAX, is over it yet float32's largest)
FLOAT32_OVERFLOW = 2.0 ** 128 - 2.0 ** 103
BOM = b"\xef\xbb\xbf"
#: the digits a looked-up word has written as 0 (ASCII only, as the tagger of Lample et al. matched them)
_ZERO = re.compile("[0-9]")
FORMATS = "word2vec/fastText .vec text (a first line 'COUNT DIM', then 'word v1 ... vDIM' a line) or GloVe text"


@dataclass
class Vectors:
    """The vectors read for a vocabulary: ``found`` maps each word of it in ``path`` to its values."""

    path: str
    dim: int
    found: dict[str, list[float]]


def _open(path: str | Path, flag: str) -> IO[bytes]:
    """``path`` opened to read (through gzip for ``.gz``); a failure is a one-line error naming ``flag``."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            # read twice (the size before the model is built, then the vocabulary's rows): a pipe, such as the
            # shell's <(zcat v.vec.gz), is empty the second time (or waits, with no writer, for ever)
            raise UserError(f"{flag} {path}: is a pipe, not a file; the file is read twice, so give "
                            f"it as a file (a .vec.gz is read as it is)")
        if str(path).endswith(".gz"):
            return gzip.open(path, "rb")
        return open(path, "rb")
    except FileNotFoundError:
        raise UserError(f"{flag} {path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{flag} {path}: is a directory; expected a file of word vectors "
                        f"({FORMATS})") from None
    except OSError as exc:
        raise unreadable(f"{flag} {path}", exc) from None


def _rows(path: str | Path, flag: str) -> Iterator[tuple[int, list[bytes]]]:
    """Each non-blank line's number and fields (split at ASCII whitespace), checked to be UTF-8."""
    with _open(path, flag) as fh:
        try:
            for number, raw in enumerate(fh, 1):
                if number == 1 and raw.startswith(BOM):  # a byte order mark (Notepad's UTF-8) is not the first word
                    raw = raw[len(BOM):]
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise UserError(f"{path}, line {number}: byte {exc.start + 1} is not UTF-8; expected UTF-8 text "
                                    f"({FORMATS})") from None
                fields = raw.split()
                if fields:
                    yield number, fields
        except (OSError, EOFError, zlib.error) as exc:  # a damaged .gz
            raise UserError(f"{path}: cannot read as gzip ({exc})") from None


@dataclass
class _Start:
    """How a file begins: its vectors' ``dim``; its ``header`` line's number and fields (None: no header, GloVe);
    the rows read to tell, ``ahead``, that hold vectors; ``either``: the header is a first line ``N 1`` before a
    row of one value, which is also a GloVe row of the word ``N``: a header only where N rows follow it.
    ``unlike``: a first line ``COUNT DIM`` read as a GloVe row because the row after it holds one value; should a
    later row hold DIM values, the file was a header and a second row cut short (:func:`_cut_second_row`)."""

    dim: int
    header: tuple[int, list[bytes]] | None
    ahead: list[tuple[int, list[bytes]]]
    either: bool = False
    unlike: tuple[int, int, int] | None = None  # (the first line's number, its DIM, the second row's line)


def _start(path: str | Path, rows: Iterator[tuple[int, list[bytes]]]) -> _Start:
    """The file's start, from its first two rows: a first line of two whole numbers is a header ``COUNT DIM``
    unless the next row holds one value and DIM is not 1 (then both are GloVe rows of one value: ``1 2`` then
    ``the 0.5`` is the word ``1``'s vector [2.0])."""
    first = next(rows, None)
    if first is None:
        raise UserError(f"{path}: empty; expected word vectors ({FORMATS})")
    number, fields = first
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        _refuse_long_numbers(path, number, fields)
        dim = int(fields[1])
        second = next(rows, None)
        if second is not None and len(second[1]) == 2 and dim != 1:
            return _Start(1, None, [first, second], unlike=(number, dim, second[0]))
        if dim < 1:
            raise UserError(f"{path}, line {number}: the header says dimension 0; expected 'COUNT DIM' with DIM >= 1")
        return _Start(dim, first, [second] if second is not None else [], dim == 1 and second is not None)
    if len(fields) < 2:
        raise UserError(f"{path}, line {number}: expected a word and its numbers ('word v1 ... vDIM'), or a "
                        f"header 'COUNT DIM'; found 1 field")
    return _Start(len(fields) - 1, None, [first])


def _refuse_long_numbers(path: str | Path, number: int, fields: list[bytes]) -> None:
    """Refuse a first line of two whole numbers one of which Python will not read as an int (more than
    ``sys.get_int_max_str_digits()`` digits: a ValueError traceback), naming the line."""
    limit = sys.get_int_max_str_digits()
    longest = max(len(f) for f in fields)
    if limit and longest > limit:
        raise UserError(f"{path}, line {number}: a first line of two numbers, one of {longest:,} digits; expected a "
                        f"header 'COUNT DIM' or a word and its numbers ({FORMATS})")


def vector_dimension(path: str | Path, flag: str = "--pretrained-vectors") -> int:
    """The dimension of the vectors in ``path``: its header's DIM, or the values on its first row (GloVe). A file
    that cannot be opened is a one-line error naming ``flag``, the flag that gave it."""
    return _start(path, _rows(path, flag)).dim


def read_vectors(path: str | Path, words: Collection[str], flag: str = "--pretrained-vectors") -> Vectors:
    """The vectors of ``words`` found in ``path``, read in one pass that keeps only those rows. Every row must
    hold a word and the file's number of values (the header's DIM, else the first row's); a kept row's values
    must be finite numbers. A file with no row of vectors is refused. A word of ``words`` written twice keeps
    its first row, and one warning says how many are (naming the first and its two lines); others' repeats are
    not looked for (their rows are not kept: a set of a file's millions of words would cost the memory the
    streamed read saves). A file that cannot be opened is a one-line error naming ``flag``."""
    rows = _rows(path, flag)
    start = _start(path, rows)
    dim, wanted = start.dim, set(words)
    found: dict[str, list[float]] = {}
    lines: dict[str, int] = {}  # the line of each kept row
    twice: dict[str, tuple[int, int]] = {}  # a kept word written again: the lines of its first two rows
    where = "the header's dimension" if start.header else "as on the first row"
    count, last = 0, 0
    for number, fields in itertools.chain(start.ahead, rows):
        count, last = count + 1, number
        if len(fields) != dim + 1:
            _cut_second_row(path, start, number, len(fields) - 1)
            raise UserError(f"{path}, line {number}: expected a word and {counted(dim, 'number')} ({where}); found "
                            f"{counted(len(fields) - 1, 'value')} after the word")
        word = fields[0].decode("utf-8")
        if not word.isascii():
            word = unicodedata.normalize("NFC", word)
        if word in wanted:
            if word not in found:
                found[word], lines[word] = _numbers(path, number, fields[1:]), number
            else:
                twice.setdefault(word, (lines[word], number))
    if start.header is not None:
        line, fields = start.header
        if start.either and count != int(fields[0]):  # 'N 1' was the first GloVe row, of the word N: it is kept
            word = fields[0].decode("ascii")
            if word in wanted:
                if word in found:
                    twice[word] = (line, lines[word])
                found[word], lines[word] = _numbers(path, line, fields[1:]), line
        elif not count:
            raise UserError(f"{path}: holds a header and no vectors; expected 'word v1 ... v{dim}' lines after it")
        else:
            _check_count(path, line, int(fields[0]), count, last)
    if twice:
        word, (one, two) = next(iter(twice.items()))
        warn(f"{path}: {len(twice):,} of the vocabulary's words {'is' if len(twice) == 1 else 'are'} written twice "
             f"or more, and each keeps its first row ({word!r}: lines {one} and {two})")
    return Vectors(str(path), dim, found)


def _cut_second_row(path: str | Path, start: _Start, number: int, values: int) -> None:
    """Refuse a row of ``values`` values on line ``number``, after a first line ``COUNT DIM`` read as a GloVe row
    of one value (its next row held one), as the second row of a .vec cut short where ``values`` is DIM: a
    ``.vec`` whose line 2 was cut to one value is named at line 2, not as a GloVe file wrong at line 3."""
    if start.unlike is not None and values == start.unlike[1]:
        header, dim, second = start.unlike
        raise UserError(f"{path}, line {second}: expected a word and {counted(dim, 'number')} (the header's "
                        f"dimension, line {header} 'COUNT DIM', as line {number} holds); found 1 value after the word "
                        f"(read as GloVe rows of one value, line {number} would be the one wrong)")


def _check_count(path: str | Path, line: int, promised: int, count: int, last: int) -> None:
    """The header's COUNT (on ``line``) against the ``count`` rows of vectors read (the last on ``last``): fewer
    is a file cut short, refused in one line (gensim's reader raises EOFError); more are all read, with a
    warning (gensim reads COUNT rows and leaves the rest unread)."""
    if count < promised:
        raise UserError(f"{path}: ends after {counted(count, 'vector', ',')} (line {last}), and its header (line "
                        f"{line}) says {promised:,}: a file cut short, such as a download that stopped? Fetch it "
                        f"again, or, if it was cut on purpose, write {count} as the header's first number")
    if count > promised:
        warn(f"{path}: holds {counted(count, 'vector', ',')}, and its header (line {line}) says {promised:,}; all are "
             "read")


def _numbers(path: str | Path, number: int, values: list[bytes]) -> list[float]:
    """A kept row's values, each a finite number (else a one-line error naming the line)."""
    out: list[float] = []
    for value in values:
        try:  # Python's float reads 1_0 as 10, which no vectors file means (word2vec and GloVe write no '_')
            x = float(value) if b"_" not in value else math.nan
        except ValueError:
            x = math.nan
        if not math.isfinite(x):
            raise UserError(f"{path}, line {number}: {value.decode('utf-8')!r} is not a number; expected a word "
                            f"and {len(values)} finite numbers")
        if abs(x) >= FLOAT32_OVERFLOW:  # finite here, infinite in the model's float32 weights: nan at the first step
            raise UserError(f"{path}, line {number}: {value.decode('utf-8')!r} is too large for the model's 32-bit "
                            f"weights (at most {FLOAT32_MAX:.4g} in size); expected a word and {len(values)} numbers")
        out.append(x)
    return out


def vocabulary_words(symbols: Sequence[str]) -> list[str]:
    """The words a tokenizer's ``symbols`` (row ``i`` of its embedding is ``symbols[i]``) may find in a vectors
    file: all but ``<pad>``, ``<unk>`` and word pairs (an ``ngram`` tokenizer's ``"not good"``)."""
    return [s for s in symbols[2:] if " " not in s]


def forms(word: str) -> tuple[str, ...]:
    """The forms of ``word`` looked up in a vectors file, the first found taken: the word as written, its lower
    case, then the two with every digit 0-9 written ``0`` (``1984`` takes ``0000``'s vector; ``Q3``, with no
    ``Q3`` nor ``q3`` in the file, ``Q0``'s, else ``q0``'s), for vectors trained on text whose digits were zeroed.
    Lample et al. (2016)'s tagger looks up the word, its lower case and its lower case zeroed; the word as written
    zeroed comes before that last here as the word comes before its lower case. Repeats are left out."""
    lower = word.lower()
    return tuple(dict.fromkeys((word, lower, _ZERO.sub("0", word), _ZERO.sub("0", lower))))


def looked_up(words: Sequence[str]) -> set[str]:
    """What :func:`copy_vectors` looks up for ``words``: each word's :func:`forms` (GloVe's words and many
    others are lower case; digits zeroed, as Lample et al.'s tagger looks a word up)."""
    return {form for w in words for form in forms(w)}


def copy_vectors(embedding: nn.Embedding, symbols: Sequence[str], vectors: Vectors) -> tuple[int, int]:
    """Set row ``i`` of ``embedding`` to the vector of the first of ``symbols[i]``'s :func:`forms` that ``vectors``
    has (the word as written, else its lower case, ``The`` taking ``the``'s, else either with its digits zeroed);
    the other rows, and rows past ``symbols`` such as character n-gram buckets, keep their start. Return (found,
    words), the vocabulary's words (:func:`vocabulary_words`) with a vector and their number."""
    if embedding.embedding_dim != vectors.dim:
        raise ValueError(f"copy_vectors: an embedding of size {embedding.embedding_dim}, vectors of {vectors.dim}")
    words = vocabulary_words(symbols)
    found = 0
    with torch.no_grad():
        for i, symbol in enumerate(symbols):
            vector = next((v for f in forms(symbol) if (v := vectors.found.get(f)) is not None), None)
            if i >= 2 and vector is not None:
                embedding.weight[i] = torch.tensor(vector, dtype=embedding.weight.dtype)
                found += 1
    return found, len(words)


def coverage_line(found: int, words: int, path: str | Path) -> str:
    """The line a run says about the vectors it starts from."""
    share = f" ({100.0 * found / words:.1f}%)" if words else ""
    return f"pretrained vectors: {found:,} of the vocabulary's {words:,} words found in {path}{share}"
