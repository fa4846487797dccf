"""The ``--out`` folder of a command that writes results files (``rnnkit experiment``, ``rnnkit diagnose``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from rnnkit.errors import UserError
from rnnkit.train.checkpoint import REPORT_PAGE, missing_folders, refuse_run_output, run_lock, undone_on_failure

#: drawn from the results by ``rnnkit report``: it describes the earlier run once they are replaced
DERIVED = REPORT_PAGE

#: the file by which ``rnnkit report`` knows each command's folder, and the command: the page draws one of them
#: (the experiment's where both are), so a folder holds one command's results
KINDS = {"results.json": "rnnkit experiment", "diagnose.json": "rnnkit diagnose"}


@contextlib.contextmanager
def results_folder(out: str | Path, files: tuple[str, ...], owner: str, *, overwrite: bool) -> Iterator[Path]:
    """``out``, checked and created before the work starts (not after hours of it): a file is refused, and
    so is a folder that holds one of ``files`` (``owner``'s, from an earlier run) unless ``overwrite``, which
    removes them, and the ``report.html`` drawn from them, before the work starts (as ``train --overwrite``
    does): a new run stopped early leaves none of the earlier results to pass for its own. The other command's
    results (:data:`KINDS`) are refused even then. A folder in
    the place of one of ``files`` is refused even then (it would fail the first write, after the work).
    The block runs holding ``out/.lock`` (:func:`rnnkit.train.checkpoint.run_lock`, as a training run does):
    a second run into ``out`` while this one works is refused in one line, before it removes or writes
    anything. When the block fails before anything was written, the lock file and the folders it created
    are removed again."""
    if out == "":  # an unset shell variable: Path("") is the current directory, which nobody asked for
        raise UserError(f"--out '': expected a directory for {', '.join(files[:-1])} and {files[-1]}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: is a file; expected a directory for {', '.join(files[:-1])} and {files[-1]}")
    refuse_run_output(out, "--out", "give another --out")  # a run's next save would take the results with it
    _refuse_taken(out, files, owner, overwrite)  # before the lock: a refused run leaves not even .lock there
    made = missing_folders(out)
    # the lock outside: a run refused for another's lock removes nothing (not that run's .lock); a failure
    # inside, before anything was written, leaves no lock file or empty folder behind
    with run_lock(out), undone_on_failure(out, made=made):
        # again under the lock: a run into ``out`` may have finished between the first look and the lock
        if _refuse_taken(out, files, owner, overwrite):
            for name in (*files, DERIVED):
                if (out / name).is_file() or (out / name).is_symlink():
                    (out / name).unlink()
        yield out


def _refuse_taken(out: Path, files: tuple[str, ...], owner: str, overwrite: bool) -> list[str]:
    """The ``files`` an earlier run left in ``out``; refused in one line unless ``overwrite``, and the other
    command's results (:data:`KINDS`) in one line even then: ``overwrite`` replaces this command's files only."""
    for name, command in KINDS.items():
        if name not in files and (out / name).exists():
            raise UserError(f"--out {out}: holds {command}'s {name}, and rnnkit report draws the results of one "
                            "command from a folder; give another --out")
    taken = [name for name in files if (out / name).exists()]
    if taken and not overwrite:
        raise UserError(f"--out {out}: already holds {owner} {taken[0]}; give another --out, or --overwrite to "
                        "replace them")
    for name in taken:  # --overwrite removes files: a folder in the way would fail the first write, after hours
        if (out / name).is_dir() and not (out / name).is_symlink():
            raise UserError(f"--out {out}: {name} is a folder, not {owner} file; --overwrite replaces only files: "
                            "move it away or give another --out")
    return taken
