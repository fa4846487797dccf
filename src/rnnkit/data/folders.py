"""A generated corpus appears whole or not at all: :func:`new_folder`."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from rnnkit.data.utf8 import unwritable
from rnnkit.errors import UserError
from rnnkit.files import holds_work

__all__ = ["new_folder"]


@contextlib.contextmanager
def new_folder(out: str | Path) -> Iterator[Path]:
    """A hidden temporary folder to write into, whose contents become ``out`` when the block ends; removed
    when it fails or is interrupted (Ctrl-C), so that ``out`` never holds half a corpus. ``out`` must be new
    or an empty folder (UserError otherwise: an earlier corpus's files would mix with the new one's); one that
    holds only what a file manager or an editor leaves (:data:`rnnkit.files.LITTER`, a Finder's ``.DS_Store``) is
    empty. A new ``out`` is the temporary sibling renamed; an empty one (``.``, a link to a folder, a mount point)
    stays the folder it is, and the files written are moved into it at the end."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or holds_work(out)):
        what = "not empty" if out.is_dir() else "a file" if out.is_file() else "not a folder (a device or a pipe)"
        raise UserError(f"{out}: exists and is {what}; choose a new --out")
    existing = out.is_dir()
    tmp = (out if existing else out.parent) / f".{out.resolve().name or 'out'}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        if not existing:
            out.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
    except OSError as exc:  # named as --out: the temporary folder is not a name the user gave
        raise unwritable(out, exc) from None
    try:
        yield tmp
        if existing:
            for entry in sorted(tmp.iterdir()):
                os.rename(entry, out / entry.name)
            tmp.rmdir()
        else:
            os.rename(tmp, out)  # fails (and cleans up) if a folder of that name appeared meanwhile
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
