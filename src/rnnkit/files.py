"""Files written whole or not at all.

What a user gets: an output file of rnnkit (an exported model, a report page, a plot, a pairs file, an
experiment's results) is either the whole new file or the one that was there before, never half of one,
whatever stops the writing (an error, a full disk, Ctrl-C); two processes writing the same file at once
each write their own temporary file, and the last to finish wins whole; a failure to write is one line
naming the file asked for (not the temporary one); a device or pipe given as the output is refused
instead of being replaced by a file; an output that is one of the command's own inputs (``--output`` the
``--file`` it reads, by any name: a link, a hard link) is refused before any work, as ``cat a > a`` is;
and a temporary file left by a writer killed outright (``kill -9``) is removed by the next write of the
same file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from rnnkit.data.utf8 import unwritable
from rnnkit.errors import UserError

__all__ = ["LITTER", "blocked_line", "file_in_the_way", "holds_work", "output_file", "output_name", "same_file",
           "suffixes_in", "unwritable_folder", "write_refusal", "written"]

#: what an operating system or an editor leaves in a folder it was shown or opened in (macOS Finder's .DS_Store,
#: Jupyter's .ipynb_checkpoints, Windows Explorer's Thumbs.db): never the user's work, and hidden from ``ls``
#: (``rm -r best/*`` leaves it), so a folder that holds only these is taken as empty
LITTER = frozenset({".DS_Store", ".ipynb_checkpoints", "Thumbs.db"})


def holds_work(folder: str | os.PathLike[str]) -> bool:
    """Whether the folder ``folder`` holds anything but :data:`LITTER` (OSError where it cannot be listed)."""
    return any(entry.name not in LITTER for entry in Path(folder).iterdir())

#: errors of a write to an open file, which name no file (``No space left on device`` and the like)
_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def file_in_the_way(path: str | os.PathLike[str]) -> Path | None:
    """The first of ``path``'s folders (``path`` itself included, as a folder to make) that exists and is
    not a folder, or None: why ``mkdir`` says "File exists" or "Not a directory" of ``a/b/c``."""
    path = Path(path)
    for part in reversed([path, *path.parents]):
        if part.exists() and not part.is_dir():
            return part
    return None


def unwritable_folder(path: str | os.PathLike[str]) -> Path | None:
    """The nearest existing folder above the file ``path`` when it cannot be written into (a read-only share,
    another user's folder), else None: where writing ``path`` would fail, told before the work."""
    folder = next(p for p in Path(path).absolute().parents if p.exists())
    return None if os.access(folder, os.W_OK) else folder


def write_refusal(path: str | os.PathLike[str], then: str = "") -> UserError | None:
    """The refusal of writing ``path`` told before the work, in the words a failed write says it after
    (:func:`rnnkit.data.utf8.unwritable`): ``PATH: cannot write (why)``, then ``; {then}``, where
    :func:`unwritable_folder` finds a folder it cannot be written into; ``why`` is the system's reason, ``Read-only
    file system`` on a read-only mount, else ``Permission denied``. None where ``path`` can be written."""
    folder = unwritable_folder(path)
    if folder is None:
        return None
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows): a folder that cannot be written into is not ours
        read_only = False
    code = errno.EROFS if read_only else errno.EACCES
    return unwritable(path, OSError(code, os.strerror(code), os.fspath(folder)), then)


def blocked_line(blocker: Path, path: str | os.PathLike[str]) -> str:
    """The one line for ``path`` that cannot be made because the file ``blocker`` stands in its way."""
    where = "" if Path(path) == blocker else f" for {os.fspath(path)}"
    return f"{blocker}: is a file, where a folder is needed{where}"


#: a temporary file of a writer no longer running is removed once it has been left this long (seconds)
STALE_AFTER = 60.0


def _temporary(path: Path, suffix: str) -> Path:
    """A new empty file beside ``path``, ``.NAME.PID-XXXXXXXX`` plus ``suffix``: hidden, and its own (created
    with ``O_EXCL``, so another process or call never gets the same one). Its permissions are those of any
    new file (0666 less the umask), as the renamed file keeps them; ``tempfile.mkstemp``'s 0600 would not.
    The process id in the name lets a later write of ``path`` remove what a killed writer left
    (:func:`_remove_stale`)."""
    name = _short(path.name)
    _remove_stale(path, name, suffix)
    for _ in range(100):
        tmp = path.with_name(f".{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{suffix}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path))


def _short(name: str) -> str:
    """``name`` as it goes into a temporary name: cut to 50 characters when long (NAME_MAX is 255)."""
    return name if len(os.fsencode(name)) <= 200 else name[:50]


def _remove_stale(path: Path, name: str, suffix: str) -> None:
    """Remove the temporary files of ``path`` that a writer killed outright (``kill -9``, a power cut) left:
    those whose process is no longer running and that nobody has written to for :data:`STALE_AFTER`
    seconds. A running writer's file, here or (by its age) on another machine sharing the folder, stays."""
    pattern = re.compile(re.escape(f".{name}.") + r"(\d+)-[0-9a-f]{8}" + re.escape(suffix))
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent if str(path.parent) else "."):
            found = pattern.fullmatch(entry.name)
            if not found or _running(int(found.group(1))):
                continue
            with contextlib.suppress(OSError):
                if time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER and entry.is_file():
                    os.unlink(entry.path)


def _running(pid: int) -> bool:
    """True when a process ``pid`` runs on this machine (one we may not signal counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, OSError):  # not ours to signal (PermissionError), or no such id
        return True
    return True


def _names(exc: OSError, tmp: Path) -> bool:
    """True when ``exc`` is about writing the temporary file: it names it, or it names no file and is an
    error only a write gives (a full disk while a library writes to the file it opened)."""
    if exc.filename is None:
        return exc.errno in _WRITE_ERRORS
    return any(isinstance(name, (str, bytes, os.PathLike)) and os.fsdecode(name) == str(tmp)
               for name in (exc.filename, exc.filename2))


@contextlib.contextmanager
def written(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path`` to write to (``.NAME.XXXXXXXX`` plus ``suffix``, a name of its own for
    each call: end ``suffix`` with the extension where a library infers the format from the name, such as
    matplotlib's ``savefig``): when the block ends without an error it replaces ``path`` (a rename, atomic
    within a file system); otherwise it is removed and ``path`` is left as it was. An OSError of writing the
    temporary file (creating it, a full disk) is a UserError naming ``path``: ``PATH: cannot write (No space
    left on device)``. An existing ``path`` that is neither a file nor a folder (``/dev/full``, a named pipe)
    is refused in one line: the rename would replace the device with a file. A folder is left to the rename
    to refuse (``IsADirectoryError``, naming ``path`` as its second file name)."""
    path = Path(path)
    if path.exists() and not path.is_file() and not path.is_dir():
        raise UserError(f"{path}: not a regular file (a device or a pipe); expected the name of a file to write")
    try:
        tmp = _temporary(path, suffix)
    except OSError as exc:
        raise unwritable(path, exc) from None
    try:
        try:
            yield tmp
        except OSError as exc:
            if not _names(exc, tmp):
                raise  # another file's error (a source read while writing), under its own name
            raise unwritable(path, exc) from None
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)  # left only when writing or the rename failed


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when ``a`` and ``b`` name one existing file: two spellings of a path, a symbolic or a hard link
    (the device and inode, as ``cat`` compares its input with its output), never by the strings alone."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # either is missing (nothing there to lose), or a name no file can have
        return False


#: what a command must not write over, for :func:`output_name`: ``(what, path)``, ``what`` as the message says
#: it after "is" (``"the --file being read"``, ``"the model's config.json being read"``, ``"the model.safetensors
#: of the run's resume checkpoint (last/)"``); a None path is skipped. A path not there yet is kept by its name
#: (a file a model would read once it is there); a folder, with everything inside it.
Reads = Iterable[tuple[str, str | os.PathLike[str] | None]]


def _same_place(a: Path, b: Path) -> bool:
    """True when ``a`` names what ``b`` names: the same existing file or folder (:func:`same_file`), or, where
    nothing is at ``b`` yet, the same name in the same folder."""
    if same_file(a, b):
        return True
    return bool(a.name) and a.name == b.name and not os.path.lexists(b) and same_file(a.parent, b.parent)


def output_name(path: str | os.PathLike[str], flag: str | None = None, expected: str = "a file",
                reads: Reads = ()) -> Path:
    """``path`` as the name of a file to write, refused in one line when it is a folder (``''``, ``.``, an
    existing folder): ``PATH: Is a directory``; with ``flag``, the option that gave it and what it takes,
    ``--attention-png PATH: is a folder; expected the name of a PNG file to write``; and when it is one of
    the files the command ``reads`` or keeps (:func:`same_file`), which writing it would replace, or lies
    inside a folder it keeps: ``--output PATH: is the --file being read; write to another file``. A command
    checks its outputs so before the work whose result they hold."""
    out = Path(path)
    given = os.fspath(path) or repr("")  # '' and '.' have no file name: Path.with_name was a traceback
    if out.name and not out.is_dir():
        try:  # where the file will be, through links and '..' (OUT/best/../p.csv is OUT/p.csv, not inside best/)
            folder = Path(os.path.realpath(out.absolute().parent))
        except ValueError:  # a name no file can have (a NUL): nothing there to keep
            folder = out.absolute().parent
        places = (out, folder, *folder.parents)
        for what, source in reads:
            if source is not None and any(_same_place(place, Path(source)) for place in places):
                raise UserError(f"{f'{flag} ' if flag else ''}{given}: is {what}; write to another file")
        return out
    if flag is None:
        raise UserError(f"{given}: Is a directory")
    raise UserError(f"{flag} {given}: {'is a folder' if os.fspath(path) else 'an empty name'}; expected the name of "
                    f"{expected} to write")


@contextlib.contextmanager
def output_file(path: str | os.PathLike[str], suffix: str = ".tmp") -> Iterator[Path]:
    """:func:`written` for a file the user named (``--output``, ``--onnx``): a name that is a folder (``''``,
    ``.``, an existing folder) is refused in one line, the folders above it are made, and the file appears
    whole or not at all."""
    out = output_name(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with written(out, suffix) as tmp:
        yield tmp


#: how many of a folder's entries :func:`suffixes_in` looks at (a folder of a million calls)
LOOKED_AT = 10_000


def suffixes_in(folder: str | os.PathLike[str], known: Iterable[str], default: str) -> list[str]:
    """The endings of the names in ``folder`` (of its first :data:`LOOKED_AT` entries) that are among ``known``
    (``"WAV"``, ``"PNG"``: without the dot, in capitals), as spelled (``.flac``, ``.wav``, ``.WAV``) and sorted, for
    the patterns a refusal of the folder suggests (``calls/*.flac calls/*.wav``): one pattern alone left the files
    of the other kinds out of the command a user then typed. ``[default]`` where it holds none, or cannot be read."""
    known = set(known)
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        found = {Path(e.name).suffix for _, e in zip(range(LOOKED_AT), entries, strict=False)}
        return sorted(s for s in found if s[1:].upper() in known) or [default]
    return [default]
