"""A text larger than memory, encoded once: a memory-mapped token file beside its vocabulary.

``rnnkit prepare TEXT`` (or the first ``rnnkit train charlm --data TEXT``) reads the UTF-8 file in
pieces, twice (the characters it holds, then their ids), and writes a directory, ``TEXT.rnnkit/`` by
default (``~/.cache/rnnkit/prepared/`` when the text's directory is read-only; ``--out DIR`` elsewhere)::

    tokens.bin      one id per character, raw, in the smallest dtype that holds the vocabulary
                    (uint8 up to 256 symbols, int16 up to 32,768, else int32)
    vocab.json      the character vocabulary (the stream layout of CharVocab.from_text: every
                    character of the text by code point, id 0 the unknown symbol)
    prepared.json   the dtype, the character count, the fingerprint of the source and the reader's version

Training opens ``tokens.bin`` as a NumPy memmap: windows are read from disk as they are needed and the
text itself is never held in memory. The text is read by :func:`rnnkit.data.text.text_pieces`, the pieces
that :func:`rnnkit.data.text.read_utf8` joins (a BOM dropped, CRLF and CR made LF, non-UTF-8 refused with
its line and column), so the ids are those of the in-memory path.

The directory is reused while the source is unchanged and was read as rnnkit reads it now (:data:`READER`: a
preparation of an older reader, which kept the byte order marks of joined files, is encoded again). The
fingerprint is the file's size, its modification time (ns) and the SHA-256 of its first and last MiB: cheap to
check on every run of a
multi-GB file (a full hash would read it all); a change keeping the size and the mtime in the middle of
the file would go unseen (editors and ``cp`` change the mtime). A changed text is encoded again.
Several processes preparing the same text (torchrun) take turns on a lock; the later ones reuse it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnkit.data.text import text_pieces
from rnnkit.data.tokenize import CharVocab
from rnnkit.data.utf8 import open_readable, unreadable, unwritable
from rnnkit.errors import UserError, warn, whole_number
from rnnkit.files import same_file, written

__all__ = ["PreparedText", "default_dir", "fingerprint", "is_prepared", "open_prepared", "prepare_text",
           "smallest_int_dtype"]

FORMAT = 1
#: how the text was read (:func:`rnnkit.data.text.text_pieces`), kept in prepared.json as ``reader``: a preparation
#: by another reader is encoded again. 2 drops a BOM wherever it stands; 1 (no ``reader``) kept one inside the text
#: (files joined with ``cat``) as a character
READER = 2
TOKENS, VOCAB, META = "tokens.bin", "vocab.json", "prepared.json"
_EDGE = 1 << 20
_NUMPY = {torch.uint8: np.uint8, torch.int16: np.int16, torch.int32: np.int32}


@dataclass
class PreparedText:
    """A prepared text: ``tokens`` (a 1-D tensor over the memory-mapped ``tokens.bin``), its ``vocab``,
    the ``directory``, whether this call ``encoded`` it (False: an earlier preparation was reused) and whether
    it ``created`` the directory (False: it was there before; a command refused after preparing removes only
    a directory it created)."""

    directory: Path
    tokens: torch.Tensor
    vocab: CharVocab
    encoded: bool = False
    created: bool = False


def smallest_int_dtype(vocab_size: int) -> torch.dtype:
    """``uint8`` up to 256 symbols, ``int16`` up to 32,768, else ``int32``."""
    if vocab_size <= 256:
        return torch.uint8
    if vocab_size <= 32768:
        return torch.int16
    return torch.int32


def default_dir(text: str | Path) -> Path:
    """Where the text's preparation goes by default: ``TEXT.rnnkit/`` beside it."""
    text = Path(text)
    return text.with_name(text.name + ".rnnkit")


def _default_out(text: Path) -> Path:
    """``TEXT.rnnkit/`` where the text's directory can be written, else the user's cache directory."""
    beside = default_dir(text)
    if os.access(beside if beside.exists() else text.parent, os.W_OK):
        return beside
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rnnkit" / "prepared"
    return cache / f"{text.name}-{hashlib.sha256(str(text.resolve()).encode()).hexdigest()[:16]}"


def is_prepared(path: str | Path) -> bool:
    """True when ``path`` is a directory written by :func:`prepare_text`."""
    return (Path(path) / META).is_file()


def fingerprint(text: str | Path) -> dict[str, Any]:
    """Size, modification time (ns) and SHA-256 of the first and last MiB of the file."""
    text = Path(text)
    st = text.stat()
    digest = hashlib.sha256()
    with open(text, "rb") as fh:
        digest.update(fh.read(_EDGE))
        if st.st_size > _EDGE:
            fh.seek(max(_EDGE, st.st_size - _EDGE))
            digest.update(fh.read(_EDGE))
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "head_tail_sha256": digest.hexdigest()}


def prepare_text(text: str | Path, out: str | Path | None = None, *, expected: str = "a UTF-8 text file",
                 missing: str = "") -> PreparedText:
    """The prepared ``text`` in ``out`` (default :func:`default_dir`): encoded now, or reused when an
    earlier preparation of the unchanged text is there. A folder, a missing or an unreadable file is refused
    before anything is written, in the words of :func:`rnnkit.data.utf8.open_readable`: ``expected`` says
    what the caller takes (``rnnkit train charlm --data`` takes a prepared directory too) and ``missing``
    what to give instead. A ``text`` that ``out``'s own tokens.bin, vocab.json or prepared.json would
    replace (the file itself, or a link to it) is refused before anything is written."""
    open_readable(text, expected, missing=missing).close()
    text, given = Path(text), out is not None
    out = Path(out) if out is not None else _default_out(text)
    for name in (TOKENS, VOCAB, META):
        if same_file(out / name, text):
            raise UserError(f"--out {out}: its {name} is the TEXT being read ({text}); give another --out")
    # an --out given is the user's to change; the folder chosen for them (beside the text, or the cache) is not
    advice = "give another --out, a folder you can write" if given else (
        f"run `rnnkit prepare {text} --out DIR` and train with --data DIR")
    _refuse_foreign(out)
    created = not out.exists()
    try:
        with _lock(out, advice):
            mark = fingerprint(text)
            if _fresh(out, mark):
                return open_prepared(out)
            _encode(text, out, mark)
    except UserError:  # a text refused (empty, not UTF-8) leaves no folder of its own behind
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    prepared = open_prepared(out)
    prepared.encoded, prepared.created = True, created
    return prepared


def open_prepared(directory: str | Path) -> PreparedText:
    """Open a prepared directory: the token file memory-mapped (nothing is read until used)."""
    directory = Path(directory)
    meta = _read_meta(directory)
    if meta is None:
        raise UserError(f"{directory}: not a prepared text ({META} is missing or unreadable); run rnnkit prepare")
    try:
        vocab_json = json.loads((directory / VOCAB).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise UserError(f"{directory / VOCAB}: not the vocabulary of a prepared text ({exc})") from None
    vocab = CharVocab.from_json(vocab_json, f"{directory}/{VOCAB}")
    dtype, chars = _checked_layout(directory, meta, len(vocab))
    if meta.get("reader") != READER and "\ufeff" in vocab:  # given as the folder: no text here to encode again
        warn(f"{directory}: prepared by an older rnnkit, which read a byte order mark (U+FEFF) inside the text as a "
             f"character; prepare the text again (rnnkit prepare TEXT --out {directory})")
    array = np.memmap(directory / TOKENS, dtype=dtype, mode="c", shape=(chars,))
    if int(array.max()) >= len(vocab) or int(array.min()) < 0:  # one pass, at memory speed
        raise UserError(f"{directory / TOKENS}: holds ids outside the {len(vocab)} characters of {VOCAB}; the "
                        "folder is damaged (run rnnkit prepare again)")
    return PreparedText(directory, torch.from_numpy(array), vocab)  # copy-on-write: writable, file untouched


def _checked_layout(directory: Path, meta: dict[str, Any], vocab_size: int) -> tuple[np.dtype, int]:
    """The dtype and the character count of ``prepared.json``, held to what rnnkit writes, to the size of
    tokens.bin and to the length of vocab.json (a stranger's "float64", a count of 10^6 for a shorter file, a
    character inserted into the vocabulary: tracebacks or garbage)."""
    dtype_name, chars = meta.get("dtype"), meta.get("chars")
    allowed = {np.dtype(t).name for t in _NUMPY.values()}
    if not isinstance(dtype_name, str) or dtype_name not in allowed:
        raise UserError(f"{directory / META}: dtype {dtype_name!r}: expected one of {', '.join(sorted(allowed))}")
    if not whole_number(chars) or chars < 1:  # an empty text is never prepared
        raise UserError(f"{directory / META}: chars {chars!r}: expected the number of characters (1 or more)")
    said = meta.get("vocab_size")
    if isinstance(said, int) and said != vocab_size:  # a character added or dropped: every later id means another
        raise UserError(f"{directory / VOCAB}: {vocab_size} characters, but {META} says {said}; the folder is damaged "
                        "(run rnnkit prepare again)")
    dtype = np.dtype(dtype_name)
    try:
        status = (directory / TOKENS).stat()
    except OSError as exc:
        raise unreadable(directory / TOKENS, exc) from None
    if not stat.S_ISREG(status.st_mode):  # a folder of the right size was numpy's IsADirectoryError
        raise UserError(f"{directory / TOKENS}: not a file; the folder is damaged (run rnnkit prepare again)")
    size = status.st_size
    if size != chars * dtype.itemsize:
        raise UserError(f"{directory / TOKENS}: {size} bytes, but {META} says {chars} characters of {dtype_name}; "
                        "the folder is damaged (run rnnkit prepare again)")
    return dtype, chars


# ----------------------------------------------------------------------------------------- internals
def _refuse_foreign(out: Path) -> None:
    """``out`` must be new, empty or a preparation's folder: its ``vocab.json`` would replace another's (a
    trained model's), and its files mix with a corpus's. Hidden files are a preparation's own (the lock,
    temporary files); a folder left half-prepared holds only the three files."""
    if not out.is_dir():
        return
    foreign = sorted(e.name for e in out.iterdir() if e.name not in (TOKENS, VOCAB, META)
                     and not e.name.startswith("."))
    if foreign:
        raise UserError(f"{out}: holds other files than a prepared text ({foreign[0]}); give an empty or new --out")


@contextlib.contextmanager
def _lock(out: Path, advice: str) -> Iterator[None]:
    """``out`` made and held against a second preparation there; one that cannot be written is refused with
    ``advice``."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        fh = open(out / ".lock", "a+", encoding="utf-8")
    except OSError as exc:
        raise unwritable(out, exc, advice) from None
    with fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield


def _read_meta(directory: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deeply
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else None


def _fresh(out: Path, mark: dict[str, Any]) -> bool:
    meta = _read_meta(out)
    if meta is None or meta.get("fingerprint") != mark or meta.get("reader") != READER:
        return False
    try:
        return (out / TOKENS).stat().st_size == int(meta["chars"]) * np.dtype(meta["dtype"]).itemsize
    except (OSError, KeyError, TypeError, ValueError):
        return False


def _vocabulary(text: Path) -> CharVocab:
    """Every character of the text, by code point (CharVocab.from_text without holding the text)."""
    seen = np.zeros(0x110000, dtype=bool)
    for piece in text_pieces(text):
        seen[np.frombuffer(piece.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)] = True
    return CharVocab([chr(c) for c in np.flatnonzero(seen)], padded=False)


def _encode(text: Path, out: Path, mark: dict[str, Any]) -> None:
    vocab = _vocabulary(text)
    dtype = smallest_int_dtype(len(vocab))
    (out / META).unlink(missing_ok=True)  # from here on the directory is not a valid preparation
    chars = 0
    with written(out / TOKENS) as tmp, open(tmp, "wb") as fh:
        for piece in text_pieces(text):
            ids = vocab.encode_tensor(piece, warn=False, dtype=dtype)
            fh.write(ids.numpy().tobytes())
            chars += len(piece)
    (out / VOCAB).write_text(json.dumps(vocab.to_json(), ensure_ascii=False), encoding="utf-8")
    meta = {"format": FORMAT, "reader": READER, "source": str(text.resolve()), "chars": chars,
            "dtype": np.dtype(_NUMPY[dtype]).name, "vocab_size": len(vocab), "fingerprint": mark,
            "fingerprint_kind": "size, mtime_ns and SHA-256 of the first and last MiB"}
    with written(out / META) as part:
        part.write_text(json.dumps(meta, indent=1), encoding="utf-8")
