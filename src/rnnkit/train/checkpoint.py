"""Checkpoints: a directory of JSON and safetensors files, written atomically, never pickled.

A checkpoint directory holds

- ``config.json``        what the task needs to rebuild the model (plus ``"task"``: which task wrote it)
- ``model.safetensors``  the model's ``state_dict()``
- ``vocab.json``         the vocabulary, where the task has one
- ``trainer_state.json`` step, elapsed seconds, best metric, data position, Python/NumPy RNG states ...
- ``optimizer.safetensors`` + ``optimizer.json``  the optimiser's tensors and the rest of its state
  (only in the ``last/`` checkpoint, which is the one ``--resume`` reads)
- ``state.safetensors``  other tensors: the torch RNG state, the carried hidden state of truncated BPTT

Loading uses ``safetensors`` and ``json`` only, so a checkpoint from a stranger cannot run code.

A training run's output directory ``OUT`` contains ``OUT/best/`` (the model with the best validation
metric: what ``sample``, ``predict`` and ``info`` read), ``OUT/last/`` (everything needed to resume),
``OUT/metrics.jsonl`` and ``OUT/loss.png``. :func:`resolve_model_dir` turns ``OUT`` into the checkpoint
directory to read, so users may name either ``OUT`` or ``OUT/best``.

Writing goes to a temporary sibling directory that is exchanged with the previous checkpoint in one
atomic step when complete (``renameat2(RENAME_EXCHANGE)`` on Linux), so whatever the moment of a crash,
the directory holds a complete checkpoint, the previous or the new one; :func:`clean_leftovers` removes
what a crash left behind. A failure to write (a full disk, a read-only directory) is one line naming
the path, and the previous checkpoint stays.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch import Tensor

from rnnkit import strictjson
from rnnkit.data.utf8 import unreadable, unwritable
from rnnkit.errors import UserError, refuse_empty_name, whole_number
from rnnkit.files import blocked_line, file_in_the_way

__all__ = [
    "Checkpoint",
    "as_checkpoint",
    "best_record",
    "clean_leftovers",
    "discard_run",
    "load_checkpoint",
    "missing_folders",
    "optimizer_state_from_files",
    "optimizer_state_to_files",
    "publish",
    "run_folder",
    "read_config",
    "refuse_busy",
    "refuse_run_output",
    "resolve_model_dir",
    "run_keeps",
    "run_lock",
    "save_checkpoint",
    "trained_processes",
    "undone_on_failure",
]

CONFIG = "config.json"
MODEL = "model.safetensors"
LOCK = ".lock"  # OUT's run lock (run_lock)
VOCAB = "vocab.json"
TRAINER_STATE = "trainer_state.json"
OPTIMIZER_TENSORS = "optimizer.safetensors"
OPTIMIZER_JSON = "optimizer.json"
STATE_TENSORS = "state.safetensors"
#: every file a checkpoint folder may hold
FILES = (CONFIG, MODEL, VOCAB, TRAINER_STATE, OPTIMIZER_TENSORS, OPTIMIZER_JSON, STATE_TENSORS)
#: what a run writes into ``OUT`` beside its checkpoints ``best/`` and ``last/``
METRICS_LOG, LOSS_PLOT, REPORT_PAGE = "metrics.jsonl", "loss.png", "report.html"
RUN_FILES = (METRICS_LOG, LOSS_PLOT, REPORT_PAGE)
#: the folder of ``OUT`` where ``--tensorboard`` writes its event files (:mod:`rnnkit.train.tensorboard`)
TENSORBOARD = "tensorboard"
#: the folders of ``OUT`` a run replaces whole, and when
RUN_FOLDERS = {"best": "every save replaces", "last": "every save replaces"}
#: classify's settings search (``--autotune``) in ``OUT``: the record of its trials, which each search empties
#: first, and the folder of the trials, which it removes at the end (:mod:`rnnkit.train.autotune`)
AUTOTUNE_LOG, AUTOTUNE_TRIALS = "autotune.jsonl", "autotune"
#: what each folder of a run holds, as a message names it
FOLDER_NAMES = {"best": "best model", "last": "resume checkpoint", AUTOTUNE_TRIALS: "autotune trials"}
#: the folders of ``OUT`` no output may be in (:func:`run_keeps`), and what becomes of them
KEPT_FOLDERS = {**RUN_FOLDERS, AUTOTUNE_TRIALS: "the search removes"}
#: the files of ``OUT`` no output may be (:func:`run_keeps`): the run's own, its lock, the search's record
KEPT_FILES = (*RUN_FILES, LOCK, AUTOTUNE_LOG)


@dataclass
class Checkpoint:
    """A loaded checkpoint directory: plain dicts and tensors, nothing executable.

    ``model_shapes`` comes from the safetensors header alone; ``model_state``, the weights themselves, is
    read the first time it is asked for, so a model can be checked against its config before any large
    allocation (see :func:`build_model`).
    """

    path: Path
    config: dict[str, Any]
    model_shapes: dict[str, tuple[int, ...]]
    vocab: Any = None
    trainer_state: dict[str, Any] = field(default_factory=dict)
    optimizer_state: dict[str, Any] | None = None
    tensors: dict[str, Tensor] = field(default_factory=dict)
    _model_state: dict[str, Tensor] | None = field(default=None, repr=False)
    #: ``path`` made absolute when it was read: where its files are, whatever the working directory becomes
    #: (``path`` stays as given, for messages)
    root: Path | None = field(default=None, repr=False)

    @property
    def folder(self) -> Path:
        """The checkpoint's folder as an absolute path, taken when it was read (else now)."""
        return self.root if self.root is not None else self.path.absolute()

    @property
    def model_state(self) -> dict[str, Tensor]:
        """The model's tensors (``state_dict`` names), read from ``model.safetensors`` on first use."""
        if self._model_state is None:
            self._model_state = _read_tensors(self.folder / MODEL)
        return self._model_state

    def release_model_state(self) -> None:
        """Let go of the weights :attr:`model_state` read, once a model holds its own copy of them (it is read
        again if asked for): a loaded model kept both, twice its weights in memory and in a pickle."""
        self._model_state = None

    @property
    def reads(self) -> list[tuple[str, Path]]:
        """The checkpoint's files as :func:`rnnkit.files.output_name`'s ``reads``: an output written over one
        of them (``--onnx DIR/best/model.safetensors``) would destroy the model it was made from, by name too
        where one is not there yet (``DIR/state.safetensors``, read whenever it is there, no longer loaded);
        and, for a run's ``best/`` or ``last/``, the files of both, as the one not read is the run's too
        (``export OUT --onnx OUT/last/model.safetensors`` lost the checkpoint ``--resume`` continues from).
        Anything else of a run, wherever an output lands, is :func:`refuse_run_output`'s. The paths are those of
        :attr:`folder`: a model loaded as ``rnnkit.load("runs/m")`` keeps its files after an ``os.chdir``."""
        here = self.folder
        own = [(f"the model's {name} being read" if (here / name).exists() else
                f"where the model keeps its {name}", here / name) for name in FILES]
        run = run_folder(here)
        if run == here:  # a model folder of its own, not a run's checkpoint
            return own
        return [*own, *((f"the {name} of the run's {FOLDER_NAMES[folder]} ({folder}/)", run / folder / name)
                        for folder in RUN_FOLDERS for name in FILES)]


def _tensors_for_saving(tensors: dict[str, Tensor]) -> dict[str, Tensor]:
    # safetensors refuses shared or non-contiguous storage; clone to be safe (checkpoints are small).
    return {k: v.detach().to("cpu").clone().contiguous() for k, v in tensors.items()}


def optimizer_state_to_files(state: dict[str, Any]) -> tuple[dict[str, Tensor], dict[str, Any]]:
    """Split ``optimizer.state_dict()`` into its tensors and a JSON-able remainder."""
    tensors: dict[str, Tensor] = {}
    rest: dict[str, Any] = {}
    for pid, st in state["state"].items():
        plain = {}
        for key, value in st.items():
            if isinstance(value, Tensor):
                tensors[f"{pid}.{key}"] = value
            else:
                plain[key] = value
        rest[str(pid)] = plain
    groups = json.loads(json.dumps(state["param_groups"], default=_json_default))
    return tensors, {"state": rest, "param_groups": groups, "tensor_keys": sorted(tensors)}


def optimizer_state_from_files(tensors: dict[str, Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`optimizer_state_to_files`."""
    state: dict[int, dict[str, Any]] = {int(pid): dict(plain) for pid, plain in meta["state"].items()}
    for key, value in tensors.items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = value
    groups = meta["param_groups"]
    for group in groups:
        if isinstance(group.get("betas"), list):
            group["betas"] = tuple(group["betas"])
    return {"state": state, "param_groups": groups}


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Tensor) and value.numel() == 1:
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a checkpoint's JSON")


def _write_json(path: Path, obj: Any) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=1, default=_json_default)
        fh.write("\n")


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    model_state: dict[str, Tensor],
    config: dict[str, Any],
    vocab: Any = None,
    trainer_state: dict[str, Any] | None = None,
    optimizer_state: dict[str, Any] | None = None,
    tensors: dict[str, Tensor] | None = None,
) -> Path:
    """Write a checkpoint directory at ``path`` atomically (temporary directory, then rename)."""
    path = Path(path)
    kept = "the previous checkpoint there is intact" if path.exists() else "nothing was saved there"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    except OSError as exc:
        raise unwritable(path, exc, kept) from None
    try:
        _write_json(tmp / CONFIG, config)
        save_file(_tensors_for_saving(model_state), str(tmp / MODEL), metadata={"format": "pt"})
        if vocab is not None:
            _write_json(tmp / VOCAB, vocab)
        _write_json(tmp / TRAINER_STATE, trainer_state or {})
        if optimizer_state is not None:
            opt_tensors, opt_meta = optimizer_state_to_files(optimizer_state)
            save_file(_tensors_for_saving(opt_tensors), str(tmp / OPTIMIZER_TENSORS))
            _write_json(tmp / OPTIMIZER_JSON, opt_meta)
        if tensors:
            save_file(_tensors_for_saving(tensors), str(tmp / STATE_TENSORS))
        mask = _umask()
        os.chmod(tmp, 0o777 & ~mask)  # mkdtemp's 0700: a checkpoint is as readable as any file the user writes
        for item in tmp.iterdir():  # make the files durable before the rename publishes them
            os.chmod(item, 0o666 & ~mask)
            with open(item, "rb") as fh:
                os.fsync(fh.fileno())
        publish(tmp, path)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, (OSError, SafetensorError)):
            raise unwritable(path, exc, kept) from None
        raise
    return path


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system or the file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it
    os.umask(mask)
    return mask


def publish(tmp: Path, path: Path) -> None:
    """Put the complete checkpoint ``tmp`` at ``path``: at every instant ``path`` holds either the previous
    checkpoint or the new one. Where directories cannot be exchanged atomically, the previous one is
    renamed aside first and :func:`resolve_model_dir` finds it if a crash comes between the two renames."""
    if not path.exists():
        os.rename(tmp, path)
    elif _exchange(tmp, path):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous checkpoint
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
        old.rmdir()
        os.rename(path, old)
        os.rename(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def clean_leftovers(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Remove what a crash while saving may have left in a run directory: half-written ``.NAME.tmp-*``
    directories, and ``.NAME.old-*`` ones whose checkpoint ``NAME`` is complete (one whose ``NAME`` is
    missing is renamed back to ``NAME``: it is the previous complete checkpoint). Returns what was removed."""
    out_dir = Path(out_dir)
    removed: list[Path] = []
    if not out_dir.is_dir():
        return removed
    for leftover in sorted(out_dir.glob(".*.tmp-*")):
        _remove(leftover)
        removed.append(leftover)
    for old in sorted(out_dir.glob(".*.old-*")):
        name = old.name[1:].split(".old-")[0]
        target = out_dir / name
        if _complete(target):
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
        elif _complete(old):
            shutil.rmtree(target, ignore_errors=True)
            os.rename(old, target)
    return removed


def discard_run(out_dir: str | os.PathLike[str], files: Sequence[str] = (LOSS_PLOT, REPORT_PAGE)) -> None:
    """What ``--overwrite`` replaces goes before the new run writes: ``best/``, ``last/``, ``tensorboard/``, the old
    run's ``files`` (its pictures; a run writes its ``metrics.jsonl`` over the old one, a settings search, whose
    trials train elsewhere, names it too) and an earlier settings search's record and trials (``autotune.jsonl``,
    and ``autotune/`` beside it; one without the record is the user's), so a new run stopped before its first save
    leaves no old model, nor a search that chose it, beside its own metrics. Each folder is renamed away in one
    step (gone or whole), then removed; a crash between the two leaves a ``.NAME.tmp-*`` that
    :func:`clean_leftovers` removes. A folder that is a link is unlinked, what it points to left alone."""
    out_dir = Path(out_dir)
    searched = (out_dir / AUTOTUNE_LOG).is_file()
    for name in ("best", "last", TENSORBOARD, *([AUTOTUNE_TRIALS] if searched else [])):
        if (out_dir / name).is_symlink():
            (out_dir / name).unlink()
        elif (out_dir / name).exists():
            away = out_dir / f".{name}.tmp-discarded"
            _remove(away)
            os.rename(out_dir / name, away)
            _remove(away)
    for name in (*files, AUTOTUNE_LOG):
        (out_dir / name).unlink(missing_ok=True)


def _remove(path: Path) -> None:
    """Remove ``path``, a folder with what it holds or a file (a user's file named ``best`` that ``--overwrite``
    replaced: ``rmtree`` left it behind as a hidden ``.best.tmp-discarded``, and every later run kept it)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def run_lock(out_dir: str | os.PathLike[str] | None) -> Iterator[None]:
    """Hold ``OUT/.lock`` while a run writes into ``OUT``: a second run into the same directory is refused
    in one line. The lock is the kernel's (``flock``), so a killed process never holds it. The thread that
    holds it may take it again inside (an autotune search holds ``OUT`` while its final run trains there);
    another thread of the process is another run, refused as another process is."""
    if out_dir is None:
        yield
        return
    out_dir = Path(out_dir)
    key = _held_key(out_dir)
    if _HELD.get(key):
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fh = open(out_dir / LOCK, "a+", encoding="utf-8")
    except OSError as exc:
        if blocker := file_in_the_way(out_dir):
            raise UserError(blocked_line(blocker, out_dir)) from None
        raise unwritable(out_dir, exc) from None
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            raise UserError(_busy_line(out_dir, fh.read())) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        _HELD[key] = 1
        try:
            yield
        finally:
            del _HELD[key]
    finally:
        fh.close()


#: the run directories each thread of this process holds the lock of, and how many times it took each
_HELD: dict[tuple[int, Path], int] = {}


def _held_key(out_dir: Path) -> tuple[int, Path]:
    """``out_dir``'s key in :data:`_HELD`: this thread's (two runs in two threads of a notebook are two runs)."""
    return threading.get_ident(), out_dir.resolve()


def _busy_line(out_dir: Path, owner: str) -> str:
    return (f"{out_dir}: another run is writing into it ({owner.strip() or 'another process'}); wait for it to "
            "end, or use another --out")


def refuse_busy(out_dir: str | os.PathLike[str]) -> bool:
    """Refuse (:class:`UserError`, :func:`run_lock`'s line) an ``out_dir`` whose lock another process holds now,
    or another thread of this one, without taking it or writing anything; False when none does, True when this
    thread holds it."""
    out_dir = Path(out_dir)
    if _HELD.get(_held_key(out_dir)):
        return True
    try:
        fh = open(out_dir / LOCK, encoding="utf-8", errors="replace")
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            raise UserError(_busy_line(out_dir, fh.read())) from None
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return False


def missing_folders(out_dir: str | os.PathLike[str] | None) -> list[Path]:
    """``out_dir`` and its parents that do not exist yet (what writing into it will create), nearest first."""
    out = Path(out_dir) if out_dir is not None else None
    return [p for p in (out, *out.parents) if not p.exists()] if out is not None else []


@contextlib.contextmanager
def undone_on_failure(out_dir: str | os.PathLike[str] | None, files: Sequence[str] = (),
                      kept: Callable[[], bool] = lambda: False, made: Sequence[Path] | None = None,
                      folders: Sequence[str] = (), lock_made: bool = False) -> Iterator[None]:
    """Inside: work that writes into ``out_dir``. Should it fail (an exception, Ctrl-C) while ``kept()`` is
    false, its ``files`` and its ``folders`` (whole) are removed from ``out_dir``, and its run lock when nothing
    else is left there (and no outer run of this process, an autotune search, holds it), then each folder it
    ``made`` (default: the :func:`missing_folders` at the start) that is left empty: a run that fails before it
    has written what it is for (a model too big for the memory, a diverged first step) leaves ``--out`` as it
    was. ``lock_made``: ``OUT/.lock`` was not there before the run took it, so it goes whatever else is left (the
    user's files in an ``--out`` that held them)."""
    made = missing_folders(out_dir) if made is None else made
    try:
        yield
    except BaseException:
        if out_dir is not None and not kept():
            out = Path(out_dir)
            for name in files:
                with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                    (out / name).unlink()
            for name in folders:
                shutil.rmtree(out / name, ignore_errors=True)
            alone = out.is_dir() and (lock_made or [p.name for p in out.iterdir()] == [LOCK])
            if alone and _HELD.get(_held_key(out), 0) <= 1:
                (out / LOCK).unlink(missing_ok=True)
            for folder in made:
                if not folder.is_dir() or any(folder.iterdir()):
                    break
                with contextlib.suppress(OSError):  # not ours to report over the failure that brought us here
                    folder.rmdir()
        raise


def run_folder(path: str | os.PathLike[str]) -> Path:
    """The run a path names: ``OUT`` itself, or ``OUT`` for its checkpoint ``OUT/best`` or ``OUT/last`` (a
    folder of that name inside a run: beside a ``last/`` checkpoint or a ``metrics.jsonl``, and not a run
    itself, as runs named ``best`` and ``last`` side by side are). A ``last/`` without the optimizer's state
    that every save of ``last/`` writes is a folder of another kind (the user's, a model copied there from a
    ``best/``): it names no run, and an output in it or beside it is not refused."""
    path = Path(path)
    if path.name in ("best", "last") and not _is_run(path) and _writes_checkpoints(path.parent):
        return path.parent
    return path


def _writes_checkpoints(out: Path) -> bool:
    """Whether folder ``out`` is where a run saves ``best/`` and ``last/``: its ``last/`` holds a resume
    checkpoint (the ``optimizer.safetensors`` that only the trainer's saves of ``last/`` write, not a model
    copied there), or its log ``metrics.jsonl`` is there (a run before its first save)."""
    return (out / "last" / OPTIMIZER_TENSORS).is_file() or (out / METRICS_LOG).exists()


def _is_run(path: Path) -> bool:
    """Whether folder ``path`` holds a run's log or checkpoints, which a checkpoint folder never does."""
    return (path / METRICS_LOG).exists() or (path / "last").is_dir() or (path / "best").is_dir()


def run_keeps(path: str | os.PathLike[str], folders: dict[str, str] = KEPT_FOLDERS) -> str | None:
    """What of a training run ``path`` is, as a message says it after "is", or None: a path in (or being)
    one of a run's ``folders``, which the run replaces or removes whole (``OUT/best`` and ``OUT/last`` as
    :func:`run_folder` calls them, classify's ``OUT/autotune``): ``inside the run's best model (best/), which
    every save replaces``; or one of the run's :data:`KEPT_FILES` (``the run's own metrics.jsonl``). Through
    links and ``..``, as the saves replace the folder a link leads to. A folder with a search's record is a
    run from the search's start: its trials are in ``autotune/`` before any ``last/`` is."""
    try:
        target = Path(path).resolve()
    except (OSError, RuntimeError):  # a loop of links: the path as written
        target = Path(os.path.abspath(path))
    for place in (target, *target.parents):
        if place.name in folders and _is_run_out(place.parent):
            what = f"the run's {FOLDER_NAMES[place.name]} ({place.name}/), which {folders[place.name]}"
            return what if place == target else f"inside {what}"
    if target.name in KEPT_FILES and _is_run_out(target.parent):
        return f"the run's own {target.name}"
    return None


def _is_run_out(path: Path) -> bool:
    """Whether ``path`` is a run's ``OUT``: one that saves checkpoints (not a run named ``last`` beside it), or a
    search's (its record)."""
    return not _is_run(path / "last") and _writes_checkpoints(path) or (path / AUTOTUNE_LOG).is_file()


def refuse_run_output(path: str | os.PathLike[str], flag: str, todo: str = "write to another file",
                      folders: dict[str, str] = KEPT_FOLDERS) -> None:
    """Refuse, in one line and before any work, an output (``flag`` gave ``path``: a file or a folder to
    write) that a run keeps (:func:`run_keeps`): a file in ``OUT/best/``, which the next save takes with it;
    ``OUT/metrics.jsonl``, the run's training log: ``--output OUT/last/p.csv: is inside the run's resume
    checkpoint (last/), which every save replaces; write to another file``."""
    if (what := run_keeps(path, folders)) is not None:
        raise UserError(f"{flag} {os.fspath(path) or repr('')}: is {what}; {todo}")


def _complete(path: Path) -> bool:
    return (path / CONFIG).is_file() and (path / MODEL).is_file()


def _refuse_damaged(cand: Path) -> None:
    """A checkpoint folder whose config.json or model.safetensors is there but not a readable regular file
    (a folder, a dangling link, a device) is refused: falling back to another checkpoint would give the
    user a model they did not ask for."""
    for name in (CONFIG, MODEL):
        entry = cand / name
        if (entry.exists() or entry.is_symlink()) and not entry.is_file():
            kind = "a dangling link" if not entry.exists() else "a folder" if entry.is_dir() else "not a regular file"
            raise UserError(f"{entry}: {kind}, where the checkpoint's {name} belongs; the checkpoint is damaged")


def _run_traces(path: Path) -> bool:
    """Whether folder ``path`` may be a run that stopped before its first save: it is empty (a run that failed
    at once leaves the folder it found), or holds the lock or the metrics a run writes first."""
    return not any(path.iterdir()) or (path / LOCK).exists() or (path / METRICS_LOG).exists()


def resolve_model_dir(path: str | os.PathLike[str], *, prefer: str = "best") -> Path:
    """The checkpoint directory for ``path``: ``path`` itself, or ``path/best`` (or ``path/last``).

    ``prefer="last"`` looks for ``path/last`` first (what ``--resume`` wants).
    Raises :class:`UserError` when there is no checkpoint there, or for an empty name (``Path("")`` is the working
    directory, which an unset shell variable named as ``.: not a model directory``).
    """
    refuse_empty_name(path, "a model directory written by `rnnkit train`")
    path = Path(path)
    if prefer == "last":
        candidates = [path / "last", path]
    else:
        candidates = [path, path / "best", path / "last"]
    for cand in candidates:
        if _complete(cand):
            return cand
        _refuse_damaged(cand)
        # a crash between the two renames of save_checkpoint leaves the previous one as .NAME.old-*
        olds = sorted(cand.parent.glob(f".{cand.name}.old-*")) if cand.name else []
        for old in olds:
            if _complete(old):
                return old
    if not path.exists():
        raise UserError(f"{path}: no such directory; expected a model directory written by `rnnkit train`")
    if prefer == "last" and path.is_dir() and _complete(path / "best"):
        raise UserError(f"{path}: holds best/ but no last/ to resume from (the run stopped while saving it "
                        f"first); use best/ as it is, or start afresh with --out {path} --overwrite")
    if prefer == "last" and path.is_dir() and not _complete(path) and not _run_traces(path):
        raise UserError(f"{path}: not a run directory (no last/ in it, nor any file a run writes); --resume takes "
                        "the --out directory of an earlier `rnnkit train`")
    if prefer == "last" and path.is_dir() and not _complete(path):
        raise UserError(f"{path}: holds no checkpoint yet (the run stopped before its first save); start "
                        f"afresh with --out {path} --overwrite")
    raise UserError(
        f"{path}: not a model directory (expected {CONFIG} and {MODEL} in it or in {path / 'best'})"
    )


def _read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return strictjson.loads(fh.read())
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 JSON") from None
    except RecursionError:
        raise UserError(f"{path}: nested too deeply to be one of rnnkit's files") from None
    except IsADirectoryError:
        raise UserError(f"{path}: a directory where a JSON file belongs") from None
    except OSError as exc:  # no permission (a model directory copied from another user), an I/O error
        raise unreadable(path, exc) from None


def _read_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """The name and shape of every tensor of a safetensors file, from its header alone."""
    try:
        with safe_open(str(path), framework="pt") as fh:
            return {k: tuple(fh.get_slice(k).get_shape()) for k in fh.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable safetensors file ({exc})") from None


def _read_tensors(path: Path) -> dict[str, Tensor]:
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable safetensors file ({exc})") from None


def read_config(path: str | os.PathLike[str], *, prefer: str = "best") -> tuple[dict[str, Any], Path]:
    """Only the ``config.json`` of the model directory ``path`` (see :func:`resolve_model_dir`; ``prefer``
    ``"last"`` for what a resumed run reads) and where it was read: enough to know the task without reading any
    tensor."""
    root = resolve_model_dir(path, prefer=prefer)
    config = _read_json(root / CONFIG)
    if not isinstance(config, dict):
        raise UserError(f"{root / CONFIG}: expected a JSON object")
    return config, root / CONFIG


#: the fields of config.json that hold an object when present
OBJECT_FIELDS = ("model", "settings", "data")


def _check_objects(path: Path, obj: Any, fields: Sequence[str]) -> None:
    """Refuse a file that is not a JSON object, or whose ``fields`` are present but not objects."""
    if not isinstance(obj, dict):
        raise UserError(f"{path}: expected a JSON object")
    for name in fields:
        if name in obj and not isinstance(obj[name], dict):
            raise UserError(f"{path}: field {name!r} must be an object, not {type(obj[name]).__name__}")


def best_record(last: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]] | None:
    """For a run's resume checkpoint ``OUT/last``, ``OUT/best``'s own ``trainer_state.json`` and its path: the best
    checkpoint's metric, step and evaluation as saved with its model; None for a checkpoint that is no run's
    ``last/`` (:func:`run_folder`), or where ``best/`` holds no record of a best (``best_step``)."""
    run = run_folder(last)
    path = run / "best" / TRAINER_STATE
    if run == Path(last) or not path.is_file():
        return None
    state = _read_json(path)
    _check_objects(path, state, ())
    return (path, state) if "best_step" in state else None


def load_checkpoint(path: str | os.PathLike[str], *, prefer: str = "best") -> Checkpoint:
    """Read a checkpoint directory (see :func:`resolve_model_dir` for which one)."""
    root = resolve_model_dir(path, prefer=prefer)
    config = _read_json(root / CONFIG)
    _check_objects(root / CONFIG, config, OBJECT_FIELDS)
    model_shapes = _read_shapes(root / MODEL)
    vocab = _read_json(root / VOCAB) if (root / VOCAB).is_file() else None
    trainer_state = _read_json(root / TRAINER_STATE) if (root / TRAINER_STATE).is_file() else {}
    _check_objects(root / TRAINER_STATE, trainer_state, ("train_config",))
    optimizer_state = None
    if (root / OPTIMIZER_JSON).is_file() and (root / OPTIMIZER_TENSORS).is_file():
        try:
            optimizer_state = optimizer_state_from_files(
                _read_tensors(root / OPTIMIZER_TENSORS), _read_json(root / OPTIMIZER_JSON)
            )
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            raise UserError(f"{root / OPTIMIZER_JSON}: not an optimizer's state ({type(exc).__name__}: {exc}); "
                            "resume from an undamaged run or start afresh with --overwrite") from None
    tensors = _read_tensors(root / STATE_TENSORS) if (root / STATE_TENSORS).is_file() else {}
    return Checkpoint(
        path=root,
        root=root.absolute(),
        config=config,
        model_shapes=model_shapes,
        vocab=vocab,
        trainer_state=trainer_state,
        optimizer_state=optimizer_state,
        tensors=tensors,
    )


def as_checkpoint(source: Checkpoint | str | os.PathLike[str], kind: str = "the model") -> Checkpoint:
    """``source`` when it is a :class:`Checkpoint`, else the model directory it names, read by
    :func:`load_checkpoint`; anything else is a TypeError naming what ``kind`` takes (``CharLM(5)`` was an
    AttributeError from inside the constructor)."""
    if isinstance(source, Checkpoint):
        return source
    if isinstance(source, (str, os.PathLike)):
        return load_checkpoint(source)
    raise TypeError(f"{kind} takes a model directory (a path) or a Checkpoint, not {type(source).__name__}; "
                    "rnnkit.load(DIR) gives any task's model")


#: the tensors a model saves that are not parameters: batch normalisation's running statistics
BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


def trained_processes(trainer_state: dict[str, Any]) -> int:
    """How many processes (torchrun's) trained the run whose ``trainer_state.json`` this is; 1 where an older or
    damaged one does not say."""
    value = trainer_state.get("processes")
    return value if whole_number(value) and value >= 1 else 1


def count_parameters(shapes: dict[str, tuple[int, ...]]) -> int:
    """Number of scalars of tensors of these shapes, less :data:`BUFFERS` (what ``rnnkit info`` reports as
    parameters: the count the training run printed)."""
    return int(sum(math.prod(shape) for name, shape in shapes.items() if name.rsplit(".", 1)[-1] not in BUFFERS))
