"""Files written whole or not at all.

What a user gets: an output file of rnnkit (an exported model, a report page, a plot, a pairs file, an
experiment's results) is either the whole new file or the one that was there before, never half of one,
whatever stops the writing (an error, a full disk, Ctrl-C); and a device or pipe given as the output is
refused instead of being replaced by a file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from rnnkit.errors import UserError

__all__ = ["written"]


@contextlib.contextmanager
def written(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path`` (its name plus ``suffix``) to write to: when the block ends without
    an error it replaces ``path`` (a rename, atomic within a file system); otherwise it is removed and
    ``path`` is left as it was. An existing ``path`` that is neither a file nor a folder (``/dev/full``, a
    named pipe) is refused in one line: the rename would replace the device with a file. A folder is left to
    the rename to refuse (``IsADirectoryError``)."""
    path = Path(path)
    if path.exists() and not path.is_file() and not path.is_dir():
        raise UserError(f"{path}: not a regular file (a device or a pipe); expected the name of a file to write")
    tmp = path.with_name(path.name + suffix)
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)  # left only when writing or the rename failed
