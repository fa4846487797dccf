"""What a run records of the data files it trained on, so that reading them back later is safe.

A run's ``config.json["data"]`` names its files (``"train"``, ``"val"``). Before ``rnnkit report`` (or
anything else that rebuilds a run's validation data) reads such a file, it checks that the file still
holds what the run read: its size and the SHA-256 of its first and last MiB, recorded at training time
(``"digests"``). So a run directory from someone else, whose config.json names a file of yours, cannot
make a page that embeds that file: without your file's content its digest cannot be written in advance.
Built-in data names (``polarity``, ``shakespeare`` ...) and folders (captioned images, speech corpora,
read only through their own manifest) are not files and need no digest.

Each file or folder is named as it was given, relative to where training started, and also by its absolute
path (``"paths"``), so that a resumed run finds its data from any working directory (:func:`located`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnkit.data.prepared import fingerprint
from rnnkit.errors import UserError, refuse_empty_name, report_warnings, warn

if TYPE_CHECKING:
    from rnnkit.train.checkpoint import Checkpoint

__all__ = ["VALIDATION_DATA", "data_sources", "digest", "differs_from_record", "is_recorded_data", "located",
           "other_validation", "recorded_file", "warn_trained_on", "with_digests"]

KEYS = ("train", "val")

#: what ``--val-data`` (a ``--config`` file's ``val_data``) names, as the refusal of an empty one says it
VALIDATION_DATA = "the validation data (a file or folder, as the data is)"


def digest(path: str | Path) -> str:
    """``size:sha256`` of the file's first and last MiB (the text cache's fingerprint, without its mtime)."""
    mark = fingerprint(path)
    return f"{mark['size']}:{mark['head_tail_sha256']}"


def with_digests(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with ``"digests"``: the digest of each of its ``train``/``val`` entries that is a file, and
    ``"paths"``: the absolute path of each that exists (a file or a folder)."""
    present = [k for k in KEYS if isinstance(record.get(k), str) and Path(record[k]).exists()]
    digests = {k: digest(record[k]) for k in present if Path(record[k]).is_file()}
    paths = {k: str(Path(record[k]).resolve()) for k in present}
    return {**record, **({"digests": digests} if digests else {}), **({"paths": paths} if paths else {})}


def other_validation(old: object, new: object) -> bool:
    """Whether two data records (a run's and its resumption's) validate on different data: another validation
    file or folder (by digest, else by absolute path, else by name), one where the other had none, or, both
    holding out part of their training data, another training file (or a built-in corpus after a file); or
    score it another way (their ``measure``: a task whose validation figure changed meaning names the new
    one there, so that a run saved under the old one starts a new best). A task that knows the content it
    validates on records its digest as ``"content"`` (the language model: its validation characters, whether
    read from the text or from the text's prepared folder); when both records have one, it alone decides.
    Records that cannot tell (a run saved before paths were recorded) count as same."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return False
    if old.get("measure") != new.get("measure"):
        return True
    contents = [record.get("content") for record in (old, new)]
    if all(isinstance(content, str) for content in contents):
        return contents[0] != contents[1]
    if bool(old.get("val")) != bool(new.get("val")):
        return True
    key = "val" if new.get("val") else "train"
    for field in ("digests", "paths"):
        marks = [record.get(field) for record in (old, new)]
        if all(isinstance(m, dict) and isinstance(m.get(key), str) for m in marks):
            return marks[0][key] != marks[1][key]
    names = [record.get(key) for record in (old, new)]
    was, now = (any(isinstance(record.get(field), dict) and key in record[field] for field in ("digests", "paths"))
                for record in (old, new))
    if was and not now:  # a file or folder then, a built-in corpus now (the run records every path it reads)
        return True
    return all(isinstance(n, str) for n in names) and not (was or now) and names[0] != names[1]


def located(record: dict[str, Any], key: str) -> str | None:
    """Where the ``key`` entry of a run's data record is now (None when the record has none): its absolute
    path as recorded when that still exists (and, for a file, still has the recorded digest); else the entry
    as given when that exists (a run saved before the paths were recorded, or moved with its data); else the
    absolute path when it exists (a file changed since, which the caller's digest check then names as
    changed, not as missing); else the entry as given."""
    if not record.get(key):
        return None
    given = str(record[key])
    absolute = (record.get("paths") or {}).get(key)
    if not isinstance(absolute, str):
        return given
    if key in (record.get("digests") or {}):
        kept = Path(absolute).is_file() and not differs_from_record(absolute, record, key)
    else:
        kept = Path(absolute).exists()
    if kept or (not Path(given).exists() and Path(absolute).exists()):
        return absolute
    return given


def data_sources(ckpt: Checkpoint | None, data: str | None, val_data: str | None,
                 missing: str) -> tuple[str, str | None]:
    """The training and validation data of a run: as given, else (resumed, ``ckpt``) the run's own, found from
    any working directory (:func:`located`); ``missing`` is the one-line error when neither names the
    training data. An empty ``val_data`` is refused: ``--val-data ""`` (an unset shell variable) validated on a
    split of the training data, or a resumed run's own, without a word."""
    refuse_empty_name(val_data, f"{VALIDATION_DATA}, or no --val-data for a split of --data", "--val-data")
    saved = (ckpt.config.get("data") or {}) if ckpt is not None else {}
    data = data or located(saved, "train")
    if not data:
        raise UserError(missing)
    return str(data), val_data or located(saved, "val")


def differs_from_record(path: str | Path, record: dict[str, Any], key: str) -> bool | None:
    """Whether the file ``path`` differs from the ``key`` file the run's data record has a digest of (None
    when the record has none of it)."""
    recorded = (record.get("digests") or {}).get(key)
    return None if recorded is None else digest(path) != recorded


def is_recorded_data(data: str, record: object, key: str = "train") -> bool:
    """Whether ``data`` is the ``key`` data of a run's data ``record``: the file of the digest it keeps, or the name
    of the built-in data it names; False for other data, or a file it keeps no digest of (saved before digests)."""
    if not isinstance(record, dict):
        return False
    if not Path(data).is_file():
        return data == record.get(key)
    return differs_from_record(data, record, key) is False


def warn_trained_on(data: object, checkpoints: Sequence[Checkpoint], doing: str, instead: str) -> None:
    """Warn where the file ``data`` that a model is evaluated on is the one it trained on (its ``--data``, told by
    the digest its config.json keeps; the first model of an ensemble's that did): its scores were given unsaid as
    though of unseen text, and a model that learnt its examples by heart scores high there. ``doing``: what the
    model does to text ("translates"); ``instead``: what to give ("held-out pairs"). Anything but a file (a list
    of pairs, a built-in corpus's name) is not compared."""
    if not isinstance(data, (str, os.PathLike)) or not Path(data).is_file():
        return
    for ckpt in checkpoints:
        record = ckpt.config.get("data")
        if isinstance(record, dict) and differs_from_record(data, record, "train") is False:
            with report_warnings():
                warn(f"{os.fspath(data)} is the data the model at {ckpt.path} trained on (its --data): the scores "
                     f"then measure what it has learnt, not how it {doing} text it has not seen; give {instead}")
            return


def recorded_file(run: str | Path, record: dict[str, Any], key: str, flag: str) -> str:
    """The ``key`` entry of a run's data record, found from any working directory (:func:`located`), refused in
    one line (naming ``flag``, the option that gives the data instead) when it is a file that is not, or cannot
    be shown to be, the one it trained on."""
    path = located(record, key) or str(record[key])
    if not Path(path).is_file():
        return path
    differs = differs_from_record(path, record, key)
    if differs is None:
        raise UserError(f"{run}: the run records no digest of {path}, so it cannot be checked to be the data it "
                        f"trained on; give {flag}")
    if differs:
        raise UserError(f"{path} is no longer the data the run at {run} trained on; give {flag}")
    return path
