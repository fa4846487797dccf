"""Parallel sentence pairs for translation: ``source<TAB>target``, one pair a line, UTF-8.

What a user gets: :func:`read_pairs` returns the list of ``(source, target)`` pairs of a file, and refuses
a bad line with a :class:`rnnkit.errors.UserError` naming the file and the line (no tab or more than one,
an empty side, bytes that are not UTF-8). Blank lines are skipped. :func:`split_pairs` holds out a seeded
share of the pairs for validation when no validation file is given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from rnnkit.data.split import split_fraction as split_pairs  # the pairs file's validation split
from rnnkit.data.tabular import _shown_name, file_lines
from rnnkit.errors import UserError, report_warnings, warn
from rnnkit.files import written
from rnnkit.wording import counted, line_numbers

__all__ = ["Pair", "columns_hint", "read_pairs", "split_pairs", "write_pairs"]

Pair = tuple[str, str]


def _check_line(line: str, path: str | Path, number: int, first: bool = False, lines: Sequence[str] = ()) -> Pair:
    """The pair of ``line`` (line ``number`` of ``path``, whose ``lines`` these are), or a UserError naming what is
    wrong with it."""
    where = f"{path}:{number}"
    tabs = line.count("\t")
    if tabs != 1:
        # a first line without a tab: most likely one side of parallel files, as OpenNMT-py and fairseq take them
        hint = ("; rnnkit reads one file of 'source<TAB>target' lines: `paste SOURCE.txt TARGET.txt > pairs.tsv` "
                "joins two parallel files") if not tabs else columns_hint(line, path)
        raise UserError(f"{where}: expected one tab between source and target, found {tabs}{hint if first else ''}")
    source, target = line.split("\t")
    for side, text in (("source", source), ("target", target)):
        if not text.strip():
            # most often two parallel files joined with paste, one a line short or blank where the other is not:
            # every pair after that line would be misaligned, so the line is not skipped
            raise _empty_side(where, side, number, lines)
    return source.strip(), target.strip()


def _empty_side(where: str, side: str, number: int, lines: Sequence[str]) -> UserError:
    """The refusal of line ``number``'s empty ``side`` (``lines``: the file's): where that side is empty on every
    line after it too (:func:`_side_ended`), the two files' lengths as `paste` joined them; else the later lines
    with an empty side, so that a few are mended at once, not one a run."""
    place = "before" if side == "source" else "after"
    other = "target" if side == "source" else "source"
    if after := _side_ended(lines[number:], side == "target"):
        return UserError(f"{where}: the {side} ({place} the tab) is empty, as on every line after it: the {side}s' "
                         f"file is {counted(after + 1, 'line')} shorter than the {other}s' "
                         f"({counted(number - 1, 'line', ',')} against {number + after:,}, as `paste` joined them); "
                         "expected a line of each for each pair")
    more = [n for n, line in enumerate(lines[number:], start=number + 1)
            if line.count("\t") == 1 and line.strip() and not all(part.strip() for part in line.split("\t"))]
    also = f"; {line_numbers(more)} {'has' if len(more) == 1 else 'have'} an empty side too" if more else ""
    return UserError(f"{where}: the {side} ({place} the tab) is empty; expected text on both sides: fill it or "
                     f"remove the line (from `paste`: the {side}s' file is blank there or a line short){also}")


def _side_ended(lines: Sequence[str], target: bool) -> int:
    """How many of ``lines`` (blank ones left out) there are when each has one tab, the side ``target`` (else the
    source) empty and the other not: `paste`'s lines after the shorter file ended; else 0."""
    sides = [line.split("\t") for line in lines if line.strip()]
    ended = all(len(pair) == 2 and not pair[target].strip() and pair[not target].strip() for pair in sides)
    return len(sides) if ended else 0


def columns_hint(line: str, path: str | Path, sources: bool = False) -> str:
    """How to cut a source and a target out of a first line of more fields (a Tatoeba export's ``id<TAB>text<TAB>
    id<TAB>text``, an Anki deck's ``text<TAB>text<TAB>attribution``, pandas' index column): the first two fields
    that are neither empty nor a number; with ``sources``, the first alone (what ``rnnkit translate --file``
    reads); "" where there are not two."""
    fields = [field.strip() for field in line.split("\t")]
    texts = [n for n, field in enumerate(fields, start=1) if field and not field.isdigit()]
    if len(texts) < 2:
        return ""
    a, b = texts[:2]
    if sources:
        return (f"; rnnkit translate reads the text before the first tab: `cut -f{a} {path} > sources.txt` keeps "
                f"field {a} ({_shown_name(fields[a - 1])}), the first that is not an id")
    return (f"; rnnkit reads two columns, source and target: `cut -f{a},{b} {path} > pairs.tsv` keeps fields {a} "
            f"and {b} ({_shown_name(fields[a - 1])} and {_shown_name(fields[b - 1])}), the first two that are not ids")


def read_pairs(path: str | Path) -> list[Pair]:
    """The ``(source, target)`` pairs of a tab-separated UTF-8 file (a leading BOM is ignored, and so is one at the
    start of a line, where files were joined; lines end with LF, CRLF or a lone CR)."""
    pairs: list[Pair] = []
    lines = file_lines(path, "a file of tab-separated pairs")
    for number, line in enumerate(lines, start=1):
        if line.strip():
            pairs.append(_check_line(line, path, number, first=not pairs, lines=lines))
    if not pairs:
        raise UserError(f"{path}: no pairs; expected lines of 'source<TAB>target'")
    _warn_header(path, pairs)
    return pairs


#: a side of a header line: one name (``source``, ``English``, ``src_text``), no space, digit first or punctuation
_COLUMN_NAME = re.compile(r"[^\W\d]\w*")


def _warn_header(path: str | Path, pairs: Sequence[Pair]) -> None:
    """Warn where the first pair looks like a header line (``source<TAB>target``, what pandas' ``to_csv`` writes
    first): both its sides one name each, where the pairs after it (three or more) are seldom so (a tenth at most,
    as a word list is not). It is read as a pair, as OpenNMT-py and fairseq read it: said, it was trained on and
    scored unsaid."""
    first, rest = pairs[0], pairs[1:]
    if len(rest) < 3 or not all(_COLUMN_NAME.fullmatch(side) for side in first):
        return  # the rest matched only after a first pair of names: one pass of the regex a corpus read is not free
    if sum(all(_COLUMN_NAME.fullmatch(side) for side in pair) for pair in rest) > len(rest) / 10:
        return
    with report_warnings():
        warn(f"{path}:1: {first[0]!r} and {first[1]!r} look like column names (a header line), not a pair; it is "
             "read as one: remove the line if it names the columns (pandas: `to_csv(..., header=False)`)")


def write_pairs(pairs: Sequence[Pair], path: str | Path) -> Path:
    """Write pairs as ``source<TAB>target`` lines (UTF-8), atomically: the whole file or, on a failure or
    Ctrl-C, none (an earlier file intact). A folder is refused (UserError)."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a folder; expected the name of the pairs file to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    with written(path) as tmp:
        tmp.write_text("".join(f"{s}\t{t}\n" for s, t in pairs), encoding="utf-8")
    return path
