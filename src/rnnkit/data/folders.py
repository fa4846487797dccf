"""A generated corpus appears whole or not at all: :func:`new_folder`."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from rnnkit.errors import UserError

__all__ = ["new_folder"]


@contextlib.contextmanager
def new_folder(out: str | Path) -> Iterator[Path]:
    """A hidden temporary sibling of ``out`` to write into: renamed to ``out`` when the block ends, removed
    when it fails or is interrupted (Ctrl-C), so that ``out`` never holds half a corpus. ``out`` must be new
    or an empty folder (UserError otherwise: an earlier corpus's files would mix with the new one's)."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"{out}: exists and is {'not empty' if out.is_dir() else 'a file'}; choose a new --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
        os.rename(tmp, out)  # replaces an empty folder; fails (and cleans up) if one appeared meanwhile
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
