"""The one stratified, seeded split of rnnkit: every task that holds out part of its data uses it.

:func:`stratified_split` takes one label per row (``None`` for an unlabelled row) and returns the row
indices of the two sides, ``(train, held_out)``, both in file order. Each label gives the same fraction
of its rows to the held-out side, so a rare class is not lost from either side by chance. The choice is
made by ``seed`` alone: the same labels and seed give the same split on any machine.
"""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from rnnkit.errors import UserError, report_warnings, warn
from rnnkit.files import same_file

__all__ = ["CORPUS_INDEXES", "corpus_index", "corpus_sides", "header_separator", "index_header", "is_listed_file",
           "listed_file", "spellings", "split_fraction", "stratified_split", "unquoted", "validation_folder",
           "warn_validation_trained"]

#: the files that mark a corpus folder: a recogniser's and a captioner's
CORPUS_INDEXES = ("manifest.tsv", "captions.tsv")

T = TypeVar("T")


def stratified_split(labels: Sequence[str | None], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices ``(train, validation)``: each label contributes ``round(fraction * count)`` rows to the
    validation side (at least one when it has two or more rows), chosen by ``seed``; a label with a
    single row stays in training. Both lists are in file order."""
    if not 0.0 < fraction < 1.0:
        raise UserError(f"--val-fraction {fraction}: expected a number between 0 and 1 (exclusive)")
    rng = random.Random(seed)
    by_label: dict[str | None, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    val: set[int] = set()
    for label in sorted(by_label, key=lambda x: "" if x is None else x):
        idx = list(by_label[label])
        rng.shuffle(idx)
        k = round(fraction * len(idx))
        if len(idx) >= 2:
            k = min(max(k, 1), len(idx) - 1)
        else:
            k = 0
        val.update(idx[:k])
    train = [i for i in range(len(labels)) if i not in val]
    return train, sorted(val)


def split_fraction(items: Sequence[T], fraction: float, seed: int) -> tuple[list[T], list[T]]:
    """``(train, validation)``: a seeded random ``fraction`` of ``items`` (at least one when there are two or
    more and ``fraction > 0``) is held out; both keep the input order."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"the held-out fraction must be from 0 to below 1, got {fraction}")
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    n_val = int(round(len(items) * fraction))
    if fraction > 0 and len(items) >= 2:
        n_val = min(max(n_val, 1), len(items) - 1)
    held = set(order[:n_val])
    return [p for i, p in enumerate(items) if i not in held], [items[i] for i in sorted(held)]


def corpus_index(given: str | Path, index: str, what: str, holding: str) -> tuple[Path, Path]:
    """``(folder, index file)`` of a corpus given as its folder or as its index file itself (``index``,
    ``manifest.tsv`` or ``captions.tsv``: ``--data corpus/manifest.tsv`` means the folder ``corpus``, which
    was refused as 'expected corpus/manifest.tsv/manifest.tsv'), or a file named otherwise with its ending (``.tsv``:
    ``clips/train.tsv`` and ``clips/test.tsv`` beside the recordings they list, which were refused as 'expected the
    folder that holds manifest.tsv', one folder holding one index); anything else is refused in one line,
    ``PATH: not WHAT (expected PATH/INDEX with HOLDING)``, a file other than the index saying to give its
    folder, and a folder of corpora (``train/``, ``val/``, ``test/`` as ``rnnkit data`` writes them, which
    training reads but ``evaluate`` cannot choose among) naming them, to give one."""
    path = Path(given)
    if path.is_file() and (path.name == index or path.suffix.lower() == Path(index).suffix):
        return path.parent, path  # train.tsv and test.tsv beside the recordings they list: indexes by other names
    if (path / index).is_file():
        return path, path / index
    if path.is_file():
        raise UserError(f"{path}: not {what} (a file; expected the folder that holds {index}, with {holding})")
    if not path.exists():  # a slip in the name: said as every task's missing --data is ('no such file')
        kind = "file" if path.name == index else "folder"
        raise UserError(f"{path}: no such {kind} (expected {what}: a folder that holds {index}, with {holding})")
    held = sorted(p.parent.name for p in path.glob(f"*/{index}") if p.is_file()) if path.is_dir() else []
    if held:
        raise UserError(f"{path}: not {what} itself but a folder of them, as `rnnkit data` writes them; give the "
                        f"one to read: {', '.join(str(path / h) for h in held)}")
    raise UserError(f"{path}: not {what} (expected {path / index} with {holding})")


def index_header(lines: Sequence[str]) -> tuple[int, list[str]]:
    """The line number of a corpus index's header (its first line that is not blank: blank lines before it are
    skipped, as they are after it) and its names split at tabs, stripped and lower-cased (``Audio<TAB>Text`` as a
    spreadsheet capitalises them); ``(0, [])`` for a file of blank lines only. ``manifest.tsv`` and
    ``captions.tsv`` find their header so."""
    number = next((i for i, line in enumerate(lines, start=1) if line.strip()), 0)
    return number, [f.strip().lower() for f in lines[number - 1].split("\t")] if number else []


def header_separator(line: str, headers: Sequence[Sequence[str]]) -> tuple[str, list[str]] | None:
    """What a corpus index whose first line is ``line`` is split at, and the header's names: ``"\t"`` under a header
    of one of ``headers`` tab-separated (``image<TAB>caption``, ``audio<TAB>text``), ``","`` under one comma-separated
    (Flickr8k's ``captions.txt``; pandas' ``to_csv`` without ``sep``), each name in any case and in double quotes or
    not (``"image","caption"`` as Excel and pandas write a CSV's, which was refused as 'found 0 tabs'); None where the
    line is none of them (a tab-separated line of data). ``captions.tsv`` and ``manifest.tsv`` find theirs so."""
    for at in ("\t", ","):
        try:
            names = next(csv.reader([line], delimiter=at, skipinitialspace=True))
            names = [name.strip().lower() for name in names]
        except csv.Error:  # a line csv cannot read: no header, data refused as such by its line
            return None
        if names in [list(h) for h in headers]:
            return at, names
    return None


#: a TSV field wrapped in double quotes as CSV writers quote one, its own quotes doubled
_QUOTED = re.compile(r'"((?:[^"]|"")*)"')


def unquoted(field: str) -> str:
    """``field`` without the double quotes that a CSV writer (pandas' ``to_csv(sep="\t")``, Python's ``csv``, a
    spreadsheet's export) wraps a TSV field in when it holds a double quote (``"a ""stop"" sign"``, its quotes
    doubled), as they read TSV back: the quotes were kept, a caption's or a transcript's symbols then '"' and its
    doubled quotes twice, and a quoted file name was 'no such image' ('no such audio file'); a field not wholly so
    quoted (``"stop" sign``) as it is. ``captions.tsv`` and ``manifest.tsv`` read their fields so."""
    match = _QUOTED.fullmatch(field)
    return field if match is None else match[1].replace('""', '"')


def is_listed_file(index: Path, number: int, folder: Path, name: str) -> bool:
    """Whether ``folder / name``, the file that line ``number`` of a corpus's ``index`` lists, is a file; a name
    the system will not look up (longer than it takes, a folder that may not be searched) is refused in one line
    naming the line: ``Path.is_file`` raised OSError ('File name too long') as a traceback."""
    try:
        return (folder / name).is_file()
    except OSError as exc:
        shown = name if len(name) <= 60 else f"{name[:57]}..."
        raise UserError(f"{index}:{number}: {shown!r} ({len(name):,} characters) cannot be looked up: "
                        f"{exc.strerror or exc} (paths are relative to {folder})") from None


def listed_file(index: Path, number: int, folder: Path, name: str) -> Path | None:
    """The file that line ``number`` of a corpus's ``index`` lists: ``folder / name``, else that name in its other
    Unicode spelling (NFC or NFD), or with Windows's ``\\`` between folders read as ``/``, where a file has it; None
    where none is a file. A name typed in the index (NFC) of a file whose name came from macOS (NFD, as its zip
    archives keep names: Hangul as jamo, an accent apart) prints alike and was 'no such file', and so was
    ``sub\\a.wav`` of an index written on Windows, which reads it there. See :func:`is_listed_file` for a name that
    cannot be looked up."""
    names = [name, name.replace("\\", "/")] if "\\" in name else [name]
    for spelling in dict.fromkeys(spelled for n in names for spelled in spellings(n)):
        if is_listed_file(index, number, folder, spelling):
            return folder / spelling
    return None


def spellings(name: str) -> list[str]:
    """``name``, then its other Unicode spellings (NFC, NFD), each once: the names a file that prints as ``name``
    may have on disk (macOS writes NFD: Hangul as jamo, an accent apart from its letter)."""
    return list(dict.fromkeys([name, unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name)]))


def corpus_sides(data: str | Path, val_data: str | Path | None, index: str, read: Callable[[Path], list[T]],
                 fraction: float, seed: int) -> tuple[list[T], list[T]]:
    """``(train, validation)`` items of a corpus folder (``read`` reads one, or its index file; ``index`` is
    the file that marks one, ``manifest.tsv`` or ``captions.tsv``): ``data`` itself, or its ``train/`` when
    that holds one as the generators write them. Validation is ``val_data``, else ``data``'s ``val/``, else a seeded
    ``fraction`` of the training items (:func:`split_fraction`; none when it is 0)."""
    root = Path(data)
    nested = (root / "train" / index).is_file()
    train = read(root / "train" if nested else root)
    if val_data:
        return train, read(Path(val_data))
    if validation_folder(root, (index,)) is not None:
        return train, read(root / "val")
    return split_fraction(train, fraction, seed) if fraction > 0 else (train, [])


def warn_validation_trained(data: str | Path, val_data: str | Path | None, train: Iterable[Hashable],
                            val: Sequence[Hashable], unit: str, scores: str) -> None:
    """Warn, once, where ``--val-data`` is the training data again: the file (or folder) ``data`` names, by whatever
    path, or one every one of whose ``unit`` (rows, pairs, sentences, utterances: ``val``, each as a hashable key)
    is a training one too, a copy (``train``'s keys, read once and lazily: only ``val``'s hashes are kept, and the
    reading stops once all are met, so a large corpus is not copied). Its ``scores`` then measure what the model has
    learnt, not how it does on data it has not seen. Some shared items are not warned of: short texts recur in any
    two samples of one language. With ``val_data`` None (``--val-fraction`` of ``data`` held out), every validation
    item that is a training one too is counted: the same item twice in ``data``, one on each side of the split."""
    if val_data is None:
        shared = _shared(train, val)
        if not shared:
            return
        said = (f"--val-fraction: {shared} of the {len(val)} validation {unit} are training {unit} too (each is in "
                f"--data {data} more than once, on both sides of the split)")
        mend = f"keep one of each in {data}, or give --val-data"
    elif same_file(data, val_data):
        said, mend = f"--val-data {val_data} is the training data --data {data} again", _NOT_TRAINED
    elif val and _shared(train, val) == len(val):
        said = f"--val-data {val_data}: all {len(val)} validation {unit} are training {unit} too (--data {data})"
        mend = _NOT_TRAINED
    else:
        return
    with report_warnings():
        warn(f"{said}: the validation {scores} then score what the model has learnt; {mend}")


#: the way on where the validation data is the training data
_NOT_TRAINED = "give validation data that is not in the training data"


def _shared(train: Iterable[Hashable], val: Sequence[Hashable]) -> int:
    """How many of ``val`` are in ``train`` too, told by their hashes; ``train`` read lazily, until all are met."""
    unmet = {hash(key) for key in val}
    met: set[int] = set()
    for key in train if unmet else ():
        if hash(key) in unmet:
            unmet.discard(hash(key))
            met.add(hash(key))
            if not unmet:
                break
    return sum(hash(key) in met for key in val)


def validation_folder(data: object, indexes: Sequence[str] = CORPUS_INDEXES) -> Path | None:
    """``data``'s ``val/`` where ``data`` is a corpus folder whose ``train/`` and ``val/`` each hold one of the
    ``indexes`` (as the generators write them): the validation data, which no fraction of ``data`` replaces;
    None otherwise (a file, a name, a folder without them, None)."""
    if not isinstance(data, (str, Path)) or not data:
        return None
    root = Path(data)
    found = any((root / "train" / index).is_file() and (root / "val" / index).is_file() for index in indexes)
    return root / "val" if found else None
