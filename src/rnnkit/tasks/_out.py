"""The ``--out`` folder of a command that writes results files (``rnnkit experiment``, ``rnnkit diagnose``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from rnnkit.errors import UserError
from rnnkit.train.checkpoint import undone_on_failure

#: drawn from the results by ``rnnkit report``: it describes the earlier run once they are replaced
DERIVED = "report.html"


@contextlib.contextmanager
def results_folder(out: str | Path, files: tuple[str, ...], owner: str, *, overwrite: bool) -> Iterator[Path]:
    """``out``, checked and created before the work starts (not after hours of it): a file is refused, and
    so is a folder that holds one of ``files`` (``owner``'s, from an earlier run) unless ``overwrite``, which
    removes them, and the ``report.html`` drawn from them, before the work starts (as ``train --overwrite``
    does): a new run stopped early leaves none of the earlier results to pass for its own.
    When the block fails before anything was written, the folders it created are removed again."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: is a file; expected a directory for {', '.join(files[:-1])} and {files[-1]}")
    taken = [name for name in files if (out / name).exists()]
    if taken and not overwrite:
        raise UserError(f"--out {out}: already holds {owner} {taken[0]}; give another --out, or --overwrite to "
                        "replace them")
    if taken:
        for name in (*files, DERIVED):
            if (out / name).is_file() or (out / name).is_symlink():
                (out / name).unlink()
    with undone_on_failure(out):  # refused before any result was written: leave no empty folder behind
        out.mkdir(parents=True, exist_ok=True)
        yield out
