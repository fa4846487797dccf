"""The text a character language model trains on: the built-in corpora or a file (read through a prepared,
memory-mapped token file), split into training and validation (:func:`_read`); for a resumed run, the text
it trained on, found again and checked to be the same (:func:`_resumed_data`, :func:`_check_same_text`);
and the digest a run records of its validation text (:func:`text_digest`), which ``rnnkit report`` checks
too."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import torch

from rnnkit.data.prepared import is_prepared, open_prepared, prepare_text
from rnnkit.data.text import load_text
from rnnkit.data.tokenize import CharVocab
from rnnkit.errors import UserError, report_warnings, warn
from rnnkit.tasks._charlm_init import in_vocabulary
from rnnkit.train import distributed
from rnnkit.train.checkpoint import Checkpoint
from rnnkit.train.provenance import differs_from_record, located
from rnnkit.train.tbptt import smallest_int_dtype

__all__ = ["BUILT_IN_TEXTS", "DIGEST_CHARS", "MISSING_DATA", "data_record", "text_digest"]

BUILT_IN_TEXTS = ("shakespeare", "korean")
DIGEST_CHARS = 65_536  # validation characters a run's digest covers
#: the error when --data is not given (nor found in a resumed run), as the other tasks say it
MISSING_DATA = "--data FILE is required ('shakespeare', 'korean' or a UTF-8 text file)"


def _split_point(length: int, val_fraction: float) -> int:
    """Index where the validation split (the last ``val_fraction`` of the text) begins."""
    n_val = int(length * val_fraction)
    if val_fraction > 0 and n_val < 2:
        n_val = 2
    return length - n_val


def _read(data: str, val_fraction: float, ckpt: Checkpoint | None,
          adapt: bool = False) -> tuple[torch.Tensor, CharVocab, int, Path | None]:
    """The text's ids, its vocabulary, where validation begins, and the prepared folder this call created
    (None: a built-in corpus, or a folder that was there before), for a command refused after all to remove.
    A built-in corpus is encoded in memory (the vocabulary of its training part); a file is prepared once into
    a memory-mapped token file (:mod:`rnnkit.data.prepared`: the vocabulary of the whole text) and read from
    there, never whole. With ``ckpt``, the text is read in its characters: the same ones for a resumed run; with
    ``adapt`` (``--init-from``) its ids are mapped to them, those it lacks read as unknown (in memory)."""
    saved = CharVocab.from_json(ckpt.vocab, f"{ckpt.path}/vocab.json") if ckpt else None
    if data in BUILT_IN_TEXTS:
        _warn_named_file(data)
        text = load_text(data)
        cut = _split_point(len(text), val_fraction)
        if adapt and saved is not None:  # as a file's: the characters it lacks named with their share, or refused
            own = CharVocab.from_text(text)
            with report_warnings():
                ids = in_vocabulary(own.encode_tensor(text, warn=False), own, saved, data)
            return ids, saved, cut, None
        vocab = saved or CharVocab.from_text(text[:cut])
        with report_warnings():  # one small integer per character
            ids = vocab.encode_tensor(text, warn=ckpt is not None, dtype=smallest_int_dtype(len(vocab)))
        return ids, vocab, cut, None
    with report_warnings():  # a folder prepared by an older reader
        prepared = open_prepared(data) if is_prepared(data) else prepare_text(
            data, expected="a UTF-8 text file (or a directory from rnnkit prepare)",
            missing="--data takes 'shakespeare', 'korean', a UTF-8 text file or a directory from rnnkit prepare")
    made = prepared.directory if prepared.created else None
    if adapt and saved is not None and saved.symbols != prepared.vocab.symbols:
        try:
            with report_warnings():
                ids = in_vocabulary(prepared.tokens, prepared.vocab, saved, data)
        except UserError:
            _remove(made)
            raise
        return ids, saved, _split_point(ids.numel(), val_fraction), made
    if saved is not None and saved.symbols != prepared.vocab.symbols:
        _remove(made)
        raise UserError(f"{data}: the text's characters changed since the run began ({prepared.directory}); a "
                        "resumed run keeps its data")
    return prepared.tokens, prepared.vocab, _split_point(prepared.tokens.numel(), val_fraction), made


def _warn_named_file(data: str) -> None:
    """Warn where ``--data shakespeare`` (or ``korean``) is also a file here: the built-in corpus is read, and the
    writer's own text of that name, without an extension, was left unread without a word."""
    if Path(data).is_file():
        with report_warnings():
            warn(f"--data {data}: the built-in corpus is read, not the file {data} here (give --data ./{data} to "
                 "train on the file)")


def _remove(made: Path | None) -> None:
    """Remove the prepared folder that :func:`_read` created (None: nothing), for a command refused after it.
    Under torchrun it stays: the processes take turns preparing it, and one still to take its turn would find the
    folder gone under it."""
    if made is not None and distributed.ranks().world_size == 1:
        shutil.rmtree(made, ignore_errors=True)


def _resumed_data(ckpt: Checkpoint, data: str | None) -> tuple[str, bool]:
    """The text a resumed run reads, and whether its ids still need :func:`_check_same_text`: ``data`` when
    given, else the run's own, found from any working directory (:func:`~rnnkit.train.provenance.located`).
    A file is the run's when it has the size and SHA-256 the run recorded, or (a run saved before those)
    when it is at the same path; another text is refused."""
    saved = (ckpt.config.get("settings") or {}).get("data")
    if not isinstance(saved, str):
        raise UserError(f"{ckpt.path}/config.json: settings.data {saved!r}: expected the text the run trained "
                        "on; the checkpoint is damaged")
    if saved in BUILT_IN_TEXTS or data in BUILT_IN_TEXTS:
        if data not in (None, saved):
            raise UserError(f"--data {data}: the resumed run trained on {saved}; a resumed run keeps its data")
        return saved, False
    record = data_record(ckpt, saved)
    recorded = record.get("paths", {}).get("train", saved)
    path = data or located(record, "train") or saved
    if data is None and not Path(path).exists():
        raise UserError(f"{recorded}: no such file (the text the run at {ckpt.path} trained on); give --data with "
                        "where it is now")
    same = _same_file(path, record, recorded)
    if same is False:
        flag = "--data " if data is not None else ""
        raise UserError(f"{flag}{path}: not the text the resumed run trained on ({recorded}: another size or "
                        "SHA-256); a resumed run keeps its data")
    return path, same is None


def data_record(ckpt: Checkpoint, saved: str) -> dict[str, Any]:
    """The run's record of its text (``config.json["data"]``: the path as given, its absolute path and
    digest); for a run saved before those, or a record that does not name ``saved``, the name alone."""
    record = ckpt.config.get("data")
    if not isinstance(record, dict):
        return {"train": saved}
    well_formed = all(isinstance(record.get(k, {}), dict) and all(isinstance(v, str) for v in record.get(k, {})
                                                                  .values()) for k in ("paths", "digests"))
    return record if record.get("train") == saved and well_formed else {"train": saved}


def _same_file(path: str, record: dict[str, Any], recorded: str) -> bool | None:
    """Whether ``path`` is the text of the run's data ``record`` (at ``recorded``): by the digest the record
    keeps of it, else by its resolved path (None: cannot tell, the text must be compared)."""
    differs = differs_from_record(path, record, "train") if Path(path).is_file() else None
    if differs is not None:
        return not differs
    return True if Path(path).resolve() == Path(recorded).resolve() else None


def _check_same_text(ckpt: Checkpoint, data: str, ids: torch.Tensor, cut: int) -> None:
    """Refuse a text that is not the one the run trained on: another length or another validation text than
    ``config.json`` records (``train_chars``, ``val_chars``, ``val_digest``)."""
    config = ckpt.config
    counts = [n if isinstance(n, int) else 0 for n in (config.get("train_chars"), config.get("val_chars"))]
    digest = config.get("val_digest")
    if ids.numel() != sum(counts) or (digest is not None and text_digest(ids[cut:]) != digest):
        raise UserError(f"{data}: not the text the resumed run trained on ({config['settings']['data']}: "
                        f"{sum(counts):,} characters, the last {counts[1]:,} held out); a resumed run keeps its data")


def text_digest(ids: torch.Tensor) -> str:
    """SHA-256 of the first ``DIGEST_CHARS`` character ids: what a run records of its validation text, so
    that ``rnnkit report`` reads the file the run names only if it still holds that text (a run directory
    from someone else cannot make the page embed an unrelated file of yours)."""
    import hashlib

    return hashlib.sha256(ids[:DIGEST_CHARS].to(torch.int64).numpy().tobytes()).hexdigest()
