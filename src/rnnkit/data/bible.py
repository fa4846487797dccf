"""English–Spanish Bible verse pairs for the translation task (``--data bible-en-es``).

What a user gets: :func:`load_bible_en_es` returns ``{"train": [...], "val": [...], "test": [...]}``,
each a list of ``(english, spanish)`` verse pairs: the King James Version (1769 text) against the
Reina-Valera 1909, both public domain, aligned by reference (book, chapter, verse). On the Debian
modules that is 30,516 pairs: 27,461 for training, 1,511 for validation and 1,544 for testing. Expect
loading to take about 2 to 5 s the first time (both modules are read and cleaned); later calls in the
same process reuse the parsed result.

The texts come from two Debian packages, installed once (``make data-bible`` does it)::

    apt-get install sword-text-kjv sword-text-sparv

They are SWORD zText modules under ``/usr/share/sword`` (or ``$SWORD_PATH``), read with the PyPI
package ``pysword`` (``pip install 'rnnkit[bible]'``). Each verse is cleaned: markup (OSIS, ThML or
GBF tags, as the module's ``SourceType`` says), Strong's numbers, footnotes and section headings are
removed (canonical headings, the Psalm superscriptions, are scripture text and stay), as are the USFM
markers some modules carry (``\\nd``); entities are decoded, paragraph signs (``¶``) dropped and
whitespace collapsed.

Alignment: a verse missing or empty on either side is dropped. Where the two texts end a chapter on
different verses (the Reina-Valera follows the Hebrew numbering in a dozen places: Numbers 12/13,
Job 38-41, Jonah 1/2, ...), its last verses are merged into the verse before or moved into the next
chapter, so that chapter and the next one in the book are dropped whole (568 pairs).

The split is by chapter, so no chapter has verses on two sides: the chapters are shuffled by
``random.Random(SPLIT_SEED)`` and 90 % go to training, 5 % to validation and 5 % to testing. The split
depends on nothing but the chapters present, so it is the same on every machine and every run. Each
side lists its pairs in canonical order (book, chapter, verse).
"""

from __future__ import annotations

import functools
import html
import os
import random
import re
from collections.abc import Iterable
from pathlib import Path

from rnnkit.errors import UserError

__all__ = [
    "DEBIAN_HINT",
    "ENGLISH_MODULES",
    "PIP_HINT",
    "SPANISH_MODULES",
    "SPLIT_FRACTIONS",
    "SPLIT_SEED",
    "clean_verse",
    "default_root",
    "load_bible_en_es",
    "read_module",
    "split_by_chapter",
]

DEBIAN_HINT = (
    "--data bible-en-es needs the Debian packages sword-text-kjv and sword-text-sparv: "
    "make data-bible (or: apt-get install sword-text-kjv sword-text-sparv)"
)
PIP_HINT = "--data bible-en-es needs the Python package pysword: pip install 'rnnkit[bible]'"
# Module names, in order of preference: the current Debian names first, then older SWORD names.
ENGLISH_MODULES = ("engKJV2006eb", "KJV")
SPANISH_MODULES = ("spaRV1909eb", "SpaRV1909", "SpaRV")
SPLIT_SEED = 1611
SPLIT_FRACTIONS = (0.90, 0.05, 0.05)

Ref = tuple[int, int, int]  # (book's canonical position, chapter, verse)


def default_root() -> Path:
    """The SWORD data path: ``$SWORD_PATH`` when set, else ``/usr/share/sword``."""
    return Path(os.environ.get("SWORD_PATH") or "/usr/share/sword")


# ------------------------------------------------------------------------------------------ cleaning
_FLAGS = re.IGNORECASE | re.DOTALL
# OSIS: elements dropped with their content (notes and what only lives inside them).
_OSIS_DROP = re.compile(r"<(note|catchWord|rdgGroup|rdg|index|figure)\b[^>]*?(?:/>|>.*?</\1\s*>)", _FLAGS)
_OSIS_TITLE = re.compile(r"<title\b([^>]*)>(.*?)</title\s*>", _FLAGS)
# Elements that separate words (lines, paragraphs, milestones): replaced by a space, not by nothing.
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|l|lg|lb|br|div|chapter|verse|milestone|list|item|head|table|row|cell|title|speech)\b[^>]*>"
    r"|<[^>]*/\s*>",
    re.IGNORECASE,
)
_ANY_TAG = re.compile(r"<[^>]*>")
# ThML: notes, cross references and Strong's (``<sync type="Strongs" value="H1234"/>``).
_THML_DROP = re.compile(r"<(note|scripRef|scripCom)\b[^>]*?(?:/>|>.*?</\1\s*>)|<sync\b[^>]*>", _FLAGS)
# GBF: footnotes <RF>..<Rf>, titles <TS>..<Ts> and the like, then every remaining <XX...> token
# (Strong's numbers <WH1234>, morphology <WT...>, formatting).
_GBF_DROP = re.compile(
    "|".join([r"<RF>.*?<Rf>", r"<RX[^>]*>.*?<Rx>"] + [f"<T{c}>.*?<T{c.lower()}>" for c in "ABCHNPST"]), re.DOTALL
)
_GBF_BREAK = re.compile(r"<C[LM]>")
_GBF_TAG = re.compile(r"<[A-Z][A-Za-z]?[^<>]*>")
# USFM character markers left in some converted modules (``\\nd LORD\\nd*``, ``\\+nd*``).
_USFM = re.compile(r"\\\+?[a-z]+[0-9]*\*?")
_SPACE = re.compile(r"\s+")
_SPACE_PUNCT = re.compile(r" +([,.;:!?])")


def _keep_canonical_title(m: re.Match[str]) -> str:
    return f" {m.group(2)} " if re.search(r"canonical\s*=\s*[\"']true", m.group(1), re.IGNORECASE) else " "


def clean_verse(text: str, source_type: str = "OSIS") -> str:
    """One verse as plain text: the markup of ``source_type`` (``OSIS``, ``ThML`` or ``GBF``) removed with
    Strong's numbers, notes and non-canonical headings, entities decoded, ``¶`` dropped, whitespace
    collapsed."""
    kind = source_type.upper()
    if "<" in text:
        if kind == "GBF":
            text = _GBF_DROP.sub("", text)
            text = _GBF_BREAK.sub(" ", text)
            text = _GBF_TAG.sub("", text)
        elif kind == "THML":
            text = _THML_DROP.sub("", text)
            text = _BLOCK_TAG.sub(" ", text)
            text = _ANY_TAG.sub("", text)
        else:
            text = _OSIS_DROP.sub("", text)
            text = _OSIS_TITLE.sub(_keep_canonical_title, text)
            text = _BLOCK_TAG.sub(" ", text)
            text = _ANY_TAG.sub("", text)
    text = _USFM.sub(" ", html.unescape(text)).replace("¶", " ")
    text = _SPACE.sub(" ", text).strip()
    return _SPACE_PUNCT.sub(r"\1", text)


# ------------------------------------------------------------------------------------------- modules
def _read_confs(root: Path) -> dict[str, dict[str, str]]:
    """Every module described in ``root/mods.d/*.conf``: its name -> its settings (keys in lower case)."""
    confs: dict[str, dict[str, str]] = {}
    mods = root / "mods.d"
    if not mods.is_dir():
        return confs
    for path in sorted(mods.glob("*.conf")):
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        try:
            lines = raw.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            lines = raw.decode("latin-1").splitlines()
        name, conf = "", {}
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                name, conf = line[1:-1].strip(), {}
                confs[name] = conf
            elif name and "=" in line:
                key, _, value = line.partition("=")
                conf.setdefault(key.strip().lower(), value.strip())
    return confs


def _find_module(confs: dict[str, dict[str, str]], names: tuple[str, ...]) -> str | None:
    lower = {name.lower(): name for name in confs}
    for want in names:
        if want.lower() in lower:
            return lower[want.lower()]
    return None


def _module_dir(root: Path, conf: dict[str, str]) -> Path:
    return root / conf.get("datapath", "").strip().lstrip("./").rstrip("/")


def _has_data(path: Path, conf: dict[str, str]) -> bool:
    driver = conf.get("moddrv", "zText").lower()
    if driver.startswith("ztext"):
        letter = {"CHAPTER": "c", "VERSE": "v"}.get(conf.get("blocktype", "BOOK").upper(), "b")
        needed = [f"{t}.{letter}z{ext}" for ext in "vsz" for t in ("ot", "nt")]
    else:
        needed = [f"{t}{ext}" for ext in ("", ".vss") for t in ("ot", "nt")]
    # a testament is there when all its files are; at least one testament must be
    return any(all((path / n).is_file() for n in needed if n.startswith(t)) for t in ("ot", "nt"))


def read_module(root: str | Path, name: str) -> dict[Ref, str]:
    """The cleaned, non-empty verses of module ``name`` under the SWORD data path ``root``, keyed by
    ``(book's canonical position, chapter, verse)``. Raises :class:`UserError` when the module or pysword
    is missing."""
    root = Path(root)
    confs = _read_confs(root)
    if name not in confs:
        raise UserError(f"{root}: no SWORD module {name}; {DEBIAN_HINT}")
    return _read_verses(root, name, confs[name])


def _read_verses(root: Path, name: str, conf: dict[str, str]) -> dict[Ref, str]:
    path = _module_dir(root, conf)
    if not _has_data(path, conf):
        raise UserError(f"{path}: the files of SWORD module {name} are missing; {DEBIAN_HINT}")
    try:
        from pysword.bible import SwordBible
        from pysword.books import BibleStructure
    except ImportError:
        raise UserError(PIP_HINT) from None
    source_type = conf.get("sourcetype", "OSIS") or "OSIS"
    encoding = conf.get("encoding", "").lower() or None
    if encoding in ("utf8", "utf-8"):
        encoding = "utf-8"
    versification = conf.get("versification", "KJV").lower()
    try:
        bible = SwordBible(
            str(path),
            conf.get("moddrv", "zText").lower(),
            versification,
            encoding,
            source_type,
            conf.get("blocktype", "BOOK").upper(),
            conf.get("compresstype", "ZIP").upper(),
            conf.get("cipherkey") or None,
        )
        # a book's canonical position, counted over both testaments: pysword lists only the module's own (the
        # Matthew of a New Testament module would be book 1, Genesis in a whole Bible)
        whole = BibleStructure(versification).get_books()
        canon = {book.name: i for i, book in enumerate([*whole.get("ot", []), *whole.get("nt", [])], start=1)}
        # pysword inflates a whole compressed block (a book) for every verse; keep the last few.
        if hasattr(bible, "_decompressed_text"):
            bible._decompressed_text = functools.lru_cache(maxsize=4)(bible._decompressed_text)
        verses: dict[Ref, str] = {}
        for testament in ("ot", "nt"):
            for book in bible.get_structure().get_books().get(testament, []):
                position = canon[book.name]
                for chapter in range(1, book.num_chapters + 1):
                    texts = bible.get_iter(books=book.name, chapters=chapter, clean=False)
                    for verse, raw in enumerate(texts, start=1):
                        if isinstance(raw, bytes):  # pysword's answer for a block past the end of the file
                            continue
                        text = clean_verse(raw, source_type)
                        if text:
                            verses[(position, chapter, verse)] = text
    except UserError:
        raise
    except (OSError, ValueError, TypeError, KeyError, NotImplementedError, UnicodeError) as exc:
        raise UserError(f"{path}: not a readable SWORD module {name} ({type(exc).__name__}: {exc})") from None
    return verses


# --------------------------------------------------------------------------------------------- split
def split_by_chapter(
    chapters: list[tuple[int, int]], seed: int = SPLIT_SEED, fractions: tuple[float, float, float] = SPLIT_FRACTIONS
) -> dict[str, set[tuple[int, int]]]:
    """The chapters of each side, ``{"train", "val", "test"}``: the chapters in canonical order,
    shuffled by ``random.Random(seed)``; validation and test take ``round(fraction * n)`` each (at
    least one when there are three chapters or more), training the rest."""
    order = sorted(set(chapters))
    random.Random(seed).shuffle(order)
    n = len(order)
    n_val = round(fractions[1] * n)
    n_test = round(fractions[2] * n)
    if n >= 3:
        n_val, n_test = max(n_val, 1), max(n_test, 1)
    n_val, n_test = min(n_val, n), min(n_test, max(n - n_val, 0))
    return {
        "val": set(order[:n_val]),
        "test": set(order[n_val : n_val + n_test]),
        "train": set(order[n_val + n_test :]),
    }


# ------------------------------------------------------------------------------------------ the pairs
def load_bible_en_es(root: str | Path | None = None) -> dict[str, list[tuple[str, str]]]:
    """``{"train", "val", "test"}`` -> ``(English KJV verse, Spanish Reina-Valera verse)`` pairs, split by
    chapter (see the module's docstring). ``root`` is the SWORD data path (default ``$SWORD_PATH`` or
    ``/usr/share/sword``). The parsed result is cached in memory; each call gets its own lists."""
    resolved = Path(root) if root is not None else default_root()
    cached = _load(str(resolved))
    return {side: list(pairs) for side, pairs in cached.items()}


def _unsure_chapters(en: Iterable[Ref], es: Iterable[Ref]) -> set[tuple[int, int]]:
    """Chapters whose alignment is doubtful: those that end on a different verse in the two texts (the
    texts number that place differently: the last verses of one are merged into the verse before or
    moved into the next chapter) and the chapter after each in the same book (where one text starts
    that chapter a few verses early, shifting all of it). A verse missing inside a chapter drops only
    itself."""
    last: list[dict[tuple[int, int], int]] = [{}, {}]
    for side, refs in zip(last, (en, es), strict=True):
        for book, chapter, verse in refs:
            side[(book, chapter)] = max(verse, side.get((book, chapter), 0))
    odd = {ch for ch in last[0].keys() | last[1].keys() if last[0].get(ch) != last[1].get(ch)}
    return odd | {(book, chapter + 1) for book, chapter in odd}


@functools.lru_cache(maxsize=4)
def _load(root_str: str) -> dict[str, tuple[tuple[str, str], ...]]:
    root = Path(root_str)
    confs = _read_confs(root)
    english = _find_module(confs, ENGLISH_MODULES)
    spanish = _find_module(confs, SPANISH_MODULES)
    if english is None or spanish is None:
        missing = " and ".join(what for what, found in (("KJV", english), ("Reina-Valera", spanish)) if found is None)
        raise UserError(f"{root}: no {missing} SWORD module; {DEBIAN_HINT}")
    en = _read_verses(root, english, confs[english])
    es = _read_verses(root, spanish, confs[spanish])
    unsure = _unsure_chapters(en.keys(), es.keys())
    refs = sorted(ref for ref in en.keys() & es.keys() if ref[:2] not in unsure)
    if not refs:
        raise UserError(f"{root}: modules {english} and {spanish} share no verse; {DEBIAN_HINT}")
    sides = split_by_chapter([(book, chapter) for book, chapter, _ in refs])
    side_of = {chapter: side for side, chapters in sides.items() for chapter in chapters}
    out: dict[str, list[tuple[str, str]]] = {"train": [], "val": [], "test": []}
    for ref in refs:
        out[side_of[ref[:2]]].append((en[ref], es[ref]))
    return {side: tuple(pairs) for side, pairs in out.items()}
