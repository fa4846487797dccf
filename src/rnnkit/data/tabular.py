"""Labelled texts from CSV, TSV and JSONL files (their stratified split: :mod:`rnnkit.data.split`).

What a user gets: :func:`read_table` turns a file with named columns (``text`` and ``label`` by default)
into a :class:`Table` of texts, string labels and the line each row started on. Labels may be strings
or numbers (both are kept as strings; ``1`` and ``-1`` stay ``"1"`` and ``"-1"``), NFC-normalised (a label
typed with a combining accent, as macOS writes it, is the label of the composed spelling). A UTF-8 byte order
mark is accepted, at the start of the file or of a line (files joined). A column is found by its name in either
Unicode spelling (NFC or NFD); blank lines before a CSV/TSV header line are skipped, and so are lines of empty
fields (``,,``); a column name met twice is kept as ``NAME (column N)``. Anything wrong with the file is a
one-line :class:`~rnnkit.errors.UserError` naming the file, the line and the column: a missing column (or the
text or label column named twice), an empty text or label, a malformed row, Excel's ``sep=;`` line, bytes that
are not UTF-8.

The format follows the file name: ``.tsv``/``.tab`` are tab-separated (and so is a file of another name but
``.csv`` whose first line, split at tabs, names the text column: Excel's "Text (Tab delimited)" ``.txt``), with CSV's
quoting as pandas reads them (a stray quote that takes in the rows after it is refused, :func:`_refuse_swallowed_rows`),
``.jsonl``/``.ndjson`` hold one JSON object a line; a ``.txt`` file (or one of another name, not ``.csv``:
fastText's ``cooking.train``) whose first line has a ``__label__`` word is fastText's format (a text a line, its
label a word of it, first as fastText writes it or anywhere: ``__label__pos a gorgeous film``), and for prediction
a ``.txt`` file whose first line does not name the text column is one text a line; anything else is read as CSV
(comma-separated, with a header row, quotes as Excel writes them, a stray quote that takes in labelled rows
refused too; a two-column file without a header row is recognised by its values, see :func:`_headerless_columns`).

Several labels a text (multi-label, as fastText's tutorial data ``cooking.train``): a fastText line with
several ``__label__`` marks, a JSONL label that is a list of strings (``"label": ["sauce", "cheese"]``), or a
CSV/TSV label cell split at ``label_separator`` (``"sauce|cheese"``; off unless given). Such a table keeps
each row's labels (in order, a repeated one once) in :attr:`Table.label_sets`; a file whose rows each have one
label is read exactly as before, with ``label_sets`` None.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
import re
import shlex
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rnnkit import strictjson
from rnnkit.data import utf8
from rnnkit.data.utf8 import decode_utf8
from rnnkit.errors import UserError
from rnnkit.files import output_file
from rnnkit.wording import counted, line_numbers

if TYPE_CHECKING:
    from _csv import Reader  # what csv.reader returns (it has no public name)

__all__ = [
    "Table",
    "check_labels_known",
    "composed_labels",
    "decode_utf8",
    "file_format",
    "jsonl_row",
    "label_key",
    "label_spellings",
    "read_table",
    "read_unlabelled",
    "read_utf8",
    "refuse_workbook",
    "saved_labels",
    "sort_labels",
    "spelled_apart",
    "WORKBOOKS",
    "write_rows",
    "write_table",
]

#: the longest CSV/TSV field read (characters): a whole book, not the csv module's 131,072
FIELD_SIZE_LIMIT = 2**31 - 1
#: the ends of the names whose format the name says (:func:`file_format`): CSV, TSV, JSONL
TABLE_NAMES = (".csv", ".tsv", ".tab", ".jsonl", ".ndjson")


@dataclass
class Table:
    """Rows of a labelled text file: ``texts[i]`` with ``labels[i]`` (None when the file has no label
    column and none was required), read from ``path`` where the row starts on line ``lines[i]``."""

    path: str
    texts: list[str]
    labels: list[str | None]
    lines: list[int]
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # a JSONL row's fields keep their JSON types
    #: for a CSV/TSV file read without a header line, a sentence saying which column was read as what
    headerless: str = ""
    #: each row's labels, for a file that may hold several a row (a line with several fastText marks, a JSONL
    #: list, a split CSV cell); None otherwise. ``labels[i]`` is then the row's labels sorted and joined by
    #: spaces (one label: that label; none: None), the key its stratified split keeps together
    label_sets: list[list[str]] | None = None
    #: how the file was read: ``"csv"``, ``"tsv"``, ``"jsonl"``, ``"fasttext"`` or ``"lines"`` ("" when not
    #: by :func:`read_table`)
    reader: str = ""
    #: the lines of a CSV/TSV file of empty fields only (``,,``: Excel's emptied rows), left out of the rows, which
    #: pandas reads as rows of NaN
    emptied: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def label_lists(self) -> list[list[str]]:
        """Each row's labels as a list: :attr:`label_sets`, else the one label (none where it is None)."""
        if self.label_sets is not None:
            return [list(x) for x in self.label_sets]
        return [[label] if label is not None else [] for label in self.labels]

    def most_labels(self) -> int:
        """The most labels a row has (1 for a single-label table, 0 for one without labels)."""
        return max((len(x) for x in self.label_lists()), default=0)

    def subset(self, indices: Sequence[int]) -> Table:
        """The rows at ``indices``, in that order."""
        return Table(
            self.path,
            [self.texts[i] for i in indices],
            [self.labels[i] for i in indices],
            [self.lines[i] for i in indices],
            list(self.columns),
            [self.rows[i] for i in indices] if self.rows else [],
            self.headerless,
            [self.label_sets[i] for i in indices] if self.label_sets is not None else None,
            self.reader,
        )


#: why a row runs on to the end of the file, or over several lines: a quote that opens a field and never closes
UNCLOSED_QUOTE = ('a field starts with a double quote (") that is not closed where the field ends, so the lines '
                  'after it were read into that field; close the quote, or double every quote inside a quoted '
                  'field ("")')


def _quote_error(exc: csv.Error) -> str:
    """What the csv module's complaint about a row means, in a user's words."""
    message = str(exc)
    if "unexpected end of data" in message:
        return UNCLOSED_QUOTE
    if "expected after '\"'" in message:
        return ('a field starts with a double quote (") and goes on after the quote that closes it; quote the '
                'whole field and double the quotes inside it ("say ""hi"" now"), or start it with another character')
    return f"({message})"


#: the ends of spreadsheet workbooks' names, which a verb's ``--output`` refuses (rnnkit writes text: CSV in an
#: ``.xlsx`` was a file Excel refused to open)
WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")


def refuse_workbook(path: str | os.PathLike[str], flag: str, written: str) -> None:
    """A workbook's name (:data:`WORKBOOKS`) given for a file rnnkit writes as text, refused in one line before
    any work: ``FLAG PATH: WRITTEN, not as a workbook``, ``written`` saying what the file holds and how to name
    it (text in an ``.xlsx`` is a file a spreadsheet program refuses to open)."""
    if os.fspath(path).lower().endswith(WORKBOOKS):
        raise UserError(f"{flag} {os.fspath(path)}: {written}, not as a workbook")


def file_format(path: str | Path) -> str:
    """``"tsv"``, ``"jsonl"`` or ``"csv"``, from the file name."""
    name = str(path).lower()
    if name.endswith((".tsv", ".tab")):
        return "tsv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return "csv"


def file_lines(path: str | Path, expected: str = "a UTF-8 text file") -> list[str]:
    """The lines of a UTF-8 file (see :func:`read_utf8`; ``expected`` names the file in a refusal), ended by LF,
    CRLF or a lone CR (old Mac files, Excel for Mac's text exports; as Python's text files and the line numbers of
    a bad byte count them: a CR-ended file was one line, so ``translate --file`` answered its first line only) and
    by nothing else: U+2028 or a form feed inside a text is not a line break, as :meth:`str.splitlines` takes it."""
    return utf8.without_line_boms(utf8.read_utf8(path, expected, newlines=True)).split("\n")


def read_utf8(path: str | Path, expected: str = "a CSV, TSV or JSONL file") -> str:
    """The text of a UTF-8 file, its line ends as they are (a quoted CSV field may hold a CRLF); a missing
    path, a directory where the ``expected`` file goes, or bytes that are not UTF-8 are refused in one line
    (see :mod:`rnnkit.data.utf8`); the BOM of each file, where files were joined, is dropped as the first is
    (:func:`rnnkit.data.utf8.without_line_boms`)."""
    return utf8.without_line_boms(utf8.read_utf8(path, expected))


def read_unlabelled(path: str | Path, text_column: str = "text") -> list[str]:
    """Texts without labels, for pre-training: a CSV/TSV/JSONL file's ``text_column`` (a label column
    is not needed; a file of another name whose first line, split at tabs, names it is TSV, as :func:`read_table`
    reads it), or any other file as plain UTF-8 text, one text per non-blank line."""
    name = str(path).lower()
    if name.endswith(TABLE_NAMES):
        return list(read_table(path, text_column, "label", require_label=False).texts)
    content = read_utf8(path, "a text file (one text a line) or a CSV, TSV or JSONL file")
    if _tab_header(str(path), content, text_column):  # Excel's 'Text (Tab delimited)' .txt: not one text a line
        return list(_table_of(str(path), content, text_column, "label", require_label=False).texts)
    texts = [line.strip() for line in _text_lines(content)]
    texts = [_fasttext_split(t)[1] for t in texts]  # a labelled line (fastText's format) gives its text
    texts = [t for t in texts if t]
    if not texts:
        raise UserError(f"{path}: no text; expected one text per line")
    return texts


def _text_lines(content: str) -> list[str]:
    """The lines of a text file read one text a line (fastText's, plain texts), ended by LF, CRLF or a lone CR
    (an old Mac file, Excel for Mac's text export: its lines were one text, a fastText file's one row with every
    line's labels), as :func:`file_lines` has them; not by U+2028 or a form feed, as :meth:`str.splitlines`."""
    return utf8.with_lf(content).split("\n")


def _number(label: str) -> float | None:
    """The label as a finite number, else None ("nan", "inf" and words sort as words)."""
    try:
        value = float(label)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def sort_labels(labels: Sequence[str]) -> list[str]:
    """The distinct labels in a stable order: numerically when all are numbers, else alphabetically."""
    distinct = set(labels)
    numbers = {label: _number(label) for label in distinct}
    if all(v is not None for v in numbers.values()):
        return sorted(distinct, key=lambda s: (numbers[s], s))
    return sorted(distinct)


def label_key(label: str) -> str:
    """What the spellings of one class share: the number of a numeric label (``1``, ``1.0`` and ``01``), else
    the label case-folded (``Scam`` and ``scam``)."""
    number = _number(label)
    return repr(number) if number is not None else label.casefold()


def label_spellings(labels: Iterable[str]) -> list[list[str]]:
    """The groups (sorted) of distinct labels that are one :func:`label_key` written two ways or more: two
    classes to rnnkit, as to fastText, that a user most likely meant as one."""
    groups: dict[str, list[str]] = {}
    for label in sorted(set(labels)):
        groups.setdefault(label_key(label), []).append(label)
    return [group for group in groups.values() if len(group) > 1]


def spelled_apart(label: str) -> str:
    """How ``label`` differs from another spelling of its :func:`label_key`: in case, or in how its number is
    written."""
    return "how the number is written" if _number(label) is not None else "case"


def _label_string(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _shown_name(name: str, limit: int = 40) -> str:
    """A column name for a message: quoted, cut to ``limit`` characters (a first line of data can hold a
    whole e-mail)."""
    return repr(name) if len(name) <= limit else repr(name[:limit]) + f"... ({len(name):,} characters)"


def _missing_column(path: str, line: int, kind: str, name: str, columns: Sequence[str], flag: str,
                    hint: str = "") -> UserError:
    shown = [_shown_name(c) for c in columns[:10]] + ([f"{len(columns) - 10} more"] if len(columns) > 10 else [])
    have = ", ".join(shown) if columns else "no columns"
    near = [c for c in columns if c.casefold() == name.casefold()]
    if near:  # 'Text' for 'text': the first line is a header line, not data
        return UserError(f"{path}:{line}: {kind} column {name!r} is missing; the file has {have} (names are "
                         f"case-sensitive: choose it with {flag} {shlex.quote(near[0])})")
    return UserError(f"{path}:{line}: {kind} column {name!r} is missing; the file has {have} (choose one with "
                     f"{flag}{'; ' + hint if hint else ''})")


#: what a file without a header line can be, for the message that finds no text column in its first line
NO_HEADER_HINT = {True: "a file without a header line is read when one column holds the texts and one other the "
                        "labels, values that repeat; or fastText's .txt, '__label__LABEL text' a line",
                  False: "texts without a header line: a .txt file, one text a line"}


def read_table(
    path: str | Path,
    text_column: str = "text",
    label_column: str = "label",
    require_label: bool = True,
    label_separator: str | None = None,
) -> Table:
    """Read a CSV, TSV or JSONL file of texts and labels.

    With ``require_label=False`` a file without the label column is accepted (for prediction) and every
    label is None. Empty texts, empty labels, rows with the wrong number of fields and lines that are
    not JSON objects are refused with the file, the line and the column in the message. ``label_separator``:
    a CSV/TSV label cell holds several labels split at it (see :attr:`Table.label_sets`).
    """
    return _table_of(str(path), read_utf8(path), text_column, label_column, require_label, label_separator)


def _table_of(path_s: str, content: str, text_column: str, label_column: str, require_label: bool,
              label_separator: str | None = None) -> Table:
    """:func:`read_table` of a file's text ``content``."""
    fmt = "tsv" if _tab_header(path_s, content, text_column) else file_format(path_s)
    plain = None if fmt == "tsv" else _plain_text_format(path_s, content, text_column, label_column, require_label)
    if plain:
        table = _read_plain(path_s, content, text_column, label_column, require_label, labelled=plain == "fasttext")
    elif fmt == "jsonl":
        table = _read_jsonl(path_s, content, text_column, label_column, require_label)
    else:
        _refuse_json(path_s, _first_line(content))
        table = _read_delimited(path_s, content, "\t" if fmt == "tsv" else ",", text_column, label_column,
                                require_label, label_separator)
    if not table.texts:
        raise UserError(f"{path_s}: no rows; expected a header line and at least one row")
    table.reader = plain or fmt
    return _with_composed_labels(table)


def composed_labels(labels: list[Any]) -> list[Any]:
    """A model's saved labels (or tags) NFC-normalised, as :func:`read_table` and the tagged files now read a
    file's: a model trained before they were kept its labels as typed (NFD where macOS wrote them), and refused
    its own labels as 'not in the training data'. Kept as saved where two would become one (both spellings were
    classes), or where one is not a string (which the caller refuses)."""
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        return labels
    composed = [unicodedata.normalize("NFC", x) for x in labels]
    return composed if len(set(composed)) == len(composed) else labels


def saved_labels(labels: object, where: str | Path, key: str = "labels") -> list[str]:
    """A model's ``key`` (its labels, or a tagger's tags) as its ``config.json`` (``where``) saved them: a list of
    distinct strings, composed as :func:`composed_labels` does; else a UserError naming the file and the field.
    Loading a model checked this; resuming one did not, and took ``null`` or a missing field for a TypeError or a
    KeyError, and a string for a list of its characters."""
    if (not isinstance(labels, list) or not all(isinstance(x, str) for x in labels)
            or len(set(labels)) != len(labels)):
        got = "none" if labels is None else repr(labels) if len(repr(labels)) <= 60 else type(labels).__name__
        raise UserError(f"{where}: {key} must be a list of distinct strings, got {got}")
    return composed_labels(labels)


def _with_composed_labels(table: Table) -> Table:
    """``table`` with its labels NFC-normalised, as the tokenizers read the texts: a label typed with a combining
    accent or as Hangul jamo (NFD, as macOS writes text) is the label of the composed spelling, not a class of its
    own that prints the same."""
    if table.label_sets is not None:
        table.label_sets = [_distinct([unicodedata.normalize("NFC", x) for x in names]) for names in table.label_sets]
        table.labels = [_label_key(names) for names in table.label_sets]
    else:
        table.labels = [None if x is None else unicodedata.normalize("NFC", x) for x in table.labels]
    return table


#: how fastText marks a label: ``__label__pos a gorgeous film``
LABEL_PREFIX = "__label__"
#: a label anywhere in a line: fastText takes every word that begins with the prefix for a label, not only
#: the first words (``a gorgeous film __label__pos`` is labelled too)
_LABEL_MARK = re.compile(r"(?<!\S)__label__\S*")
#: a line's text, up to its LF, CR or CRLF
_LINE = re.compile(r"[^\r\n]+")
#: a line with its end, as io.StringIO(newline="") and so the csv reader's line_num count them
_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


def _fasttext_split(line: str) -> tuple[list[str], str]:
    """The ``__label__`` marks of a line, wherever they stand, and the text of its other words (stripped;
    the words on both sides of a mark joined by one space)."""
    marks = _LABEL_MARK.findall(line)
    if not marks:
        return [], line.strip()
    return marks, " ".join(part for part in (p.strip() for p in _LABEL_MARK.split(line)) if part)


def _distinct(labels: Sequence[str]) -> list[str]:
    """The labels in order, a repeated one kept once."""
    return list(dict.fromkeys(labels))


def _label_key(names: Sequence[str]) -> str | None:
    """A row's labels as one key (:attr:`Table.labels`): sorted, joined by spaces; None for none."""
    return " ".join(sorted(names)) or None


def _with_label_sets(table: Table, sets: list[list[str]], always: bool = False) -> Table:
    """``table`` with ``label_sets`` (and ``labels`` their keys, :func:`_label_key`) when a row has several
    labels (or ``always``: a format that said the rows may have several); else as it is."""
    if always or any(len(x) > 1 for x in sets):
        table.label_sets = sets
        table.labels = [_label_key(x) for x in sets]
    return table


#: how to save a pandas table as the JSON rnnkit reads
JSON_LINES = "df.to_json('FILE.jsonl', orient='records', lines=True, force_ascii=False)"


def _refuse_json(path: str, first: str) -> None:
    """Refuse a file to be read as CSV or TSV whose first line is JSON: an array (pandas' ``to_json(orient=
    'records')``, on one line or pretty-printed) or an object a line (JSON Lines under another name than
    ``.jsonl``), which were "malformed header (',' expected after '"')". A line that only begins with a bracket
    (``[광고] 신규 요금제,ad``, a CSV without a header line) is no JSON, and reads on."""
    line = first.strip()
    try:
        value = json.loads(line) if line not in ("[", "{") else {"[": [], "{": {}}[line]
    except ValueError:
        return
    if isinstance(value, dict) and line != "{":
        raise UserError(f"{path}:1: a JSON object on the line: JSON Lines, which rnnkit reads from a file named "
                        f".jsonl (or .ndjson); rename the file")
    if isinstance(value, (list, dict)):
        raise UserError(f"{path}:1: a JSON document (as pandas' to_json(orient='records') writes), not CSV; rnnkit "
                        f"reads JSON Lines, one object a line, from a file named .jsonl: {JSON_LINES}")


def _plain_text_format(path: str, content: str, text_column: str, label_column: str,
                       require_label: bool) -> str | None:
    """How a file not named ``.csv``, ``.tsv`` or ``.jsonl`` is read: ``"fasttext"`` when its first line has
    a ``__label__`` word (``.txt``, or fastText's tutorial's ``cooking.train`` and ``cooking.valid``);
    for a ``.txt`` file, ``"lines"`` (one text a line; ``"fasttext"`` when a later line has a ``__label__``
    word) when no labels are needed, the first line does not name the text column and the file is not a CSV
    without a header line (:func:`_headerless_columns`, as training reads it); else None (read as CSV, as any
    other file)."""
    name = path.lower()
    if name.endswith(TABLE_NAMES):
        return None
    first = _first_line(content)
    if _LABEL_MARK.search(first):
        return "fasttext"
    if (name.endswith(".txt") and not require_label and text_column not in _as_typed(_first_fields(first), text_column)
            and not _headerless_columns(content, ",", text_column, label_column)):
        # marks on later lines only: still fastText's format (its lines may lack labels), so they are taken
        # out of the texts, as fastText's predict and ``--file -`` take them out
        return "fasttext" if _LABEL_MARK.search(content) else "lines"
    return None


def _tab_header(path: str, content: str, text_column: str) -> bool:
    """Whether a file of a name that :func:`file_format` does not know (not ``.csv``, ``.tsv``, ``.jsonl`` ...) is
    tab-separated by its first line: one that, split at tabs, names the text column. Excel's "Text (Tab
    delimited)" and "Unicode Text" save such ``.txt`` files; read as CSV (for prediction: one text a line) they
    were refused, or predicted with the header line for a text and each row's label glued to its text."""
    if path.lower().endswith(TABLE_NAMES):
        return False  # read by their names (a .tsv is tab-separated already)
    first = _first_line(content)
    return "\t" in first and text_column in _as_typed(_first_fields(first, "\t"), text_column)


def _first_line(content: str) -> str:
    """The first line of ``content`` that is not blank (lines ended as :func:`_text_lines` ends them), found without
    a copy of the whole file: a first line is all a sniff reads, of files that may be hundreds of MB."""
    return next((m.group() for m in _LINE.finditer(content) if m.group().strip()), "")


def _as_typed(names: Sequence[str], *typed: str) -> list[str]:
    """``names`` (a header's) with each one that is a ``typed`` name (``--text-column``, ``--label-column``) in the
    other Unicode spelling made that name: a header written on a Mac (NFD: an accent apart from its letter, Hangul
    as jamo) and a name typed elsewhere (NFC) print alike, but the column was 'missing'."""
    spelled = {unicodedata.normalize("NFC", t): t for t in typed}
    return [spelled.get(unicodedata.normalize("NFC", n), n) for n in names]


def _first_fields(line: str, delimiter: str = ",") -> list[str]:
    """The fields of a first line read as CSV (or, with ``delimiter``, TSV), stripped; none when it is no CSV line
    (a carriage return inside it was a ``_csv.Error`` from a text file to predict)."""
    try:
        return [h.strip() for h in next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])]
    except csv.Error:
        return []


def _read_plain(path: str, content: str, text_column: str, label_column: str, require_label: bool,
                labelled: bool) -> Table:
    """One text a line; with ``labelled``, fastText's format: the line's labels, ``__label__LABEL`` each (a
    row's label column holds them joined by spaces, which a fastText label cannot hold)."""
    table = Table(path, [], [], [], [label_column, text_column] if labelled else [text_column])
    sets: list[list[str]] = []
    for number, line in enumerate(_text_lines(content), start=1):  # no CR left in a line
        if not line.strip():
            continue
        marks, text = _fasttext_split(line) if labelled else ([], line.strip())
        names = _distinct([mark[len(LABEL_PREFIX):] for mark in marks])
        if "" in names:
            raise UserError(f"{path}:{number}: an empty label ('__label__' with no name after it)")
        label = names[0] if names else None
        if labelled and not marks and require_label:
            raise UserError(f"{path}:{number}: no label; expected fastText's format, '__label__LABEL text' a line")
        if not text:
            raise UserError(f"{path}:{number}: no text after the label; every line needs a text")
        table.texts.append(text)
        table.labels.append(label)
        table.lines.append(number)
        table.rows.append({label_column: " ".join(names), text_column: text} if labelled else {text_column: text})
        sets.append(names)
    return _with_label_sets(table, sets)


def _read_delimited(
    path: str, content: str, delimiter: str, text_column: str, label_column: str, require_label: bool,
    label_separator: str | None = None,
) -> Table:
    """A CSV (``delimiter`` ``","``) or TSV (``"\\t"``) file's rows: its header line names the columns (or a file
    without one is recognised, :func:`_headerless_columns`), every row has as many fields, a text and (when
    ``require_label``) a label; ``label_separator`` splits each label cell (:attr:`Table.label_sets`)."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)  # the csv module's default, 131,072 characters, refuses long documents
    reader = _csv_reader(content, delimiter)
    header = _as_typed(_read_header(path, reader), text_column, label_column)
    line = reader.line_num  # the header's (blank lines may come before it)
    _refuse_separator_line(path, content, line, header, delimiter)
    headerless = ""
    if text_column not in header and label_column not in header:
        guessed = _headerless_columns(content, delimiter, text_column, label_column)
        if guessed:
            header, headerless = guessed
            reader = _csv_reader(content, delimiter)
    _check_columns(path, line, header, delimiter, text_column, label_column, require_label)
    names = _column_names(path, line, header, text_column, label_column)
    ti = header.index(text_column)
    li = header.index(label_column) if label_column in header else -1
    table = Table(path, [], [], [], names, [], headerless)
    sets: list[list[str]] = []
    textless = _Textless(path, text_column)
    spanning: list[tuple[int, int, list[str]]] = []  # a CSV's rows of several lines, checked once its labels are read
    for line, end, row in _delimited_rows(path, reader, header, delimiter, not headerless, table.emptied):
        if end > line and delimiter == ",":
            spanning.append((line, end, row))
        text = row[ti]
        if not text.strip():
            textless.empty.append(line)
            continue
        label = _cell_label(row, li, f"{path}:{line}", label_column, require_label)
        if label_separator:
            sets.append(_split_cell(label, label_separator, f"{path}:{line}: column {label_column!r}"))
        table.texts.append(text)
        table.labels.append(label)
        table.lines.append(line)
        table.rows.append(dict(zip(names, row, strict=True)))
    textless.refuse()
    if li >= 0:
        labels = {label for label in table.labels if label is not None}
        for line, end, row in spanning:
            _refuse_swallowed_rows(path, line, end, row, len(header), ",", (li, labels))
    return _with_label_sets(table, sets, always=True) if label_separator else table


@dataclass
class _Textless:
    """The lines of a file's rows without a text, gathered to be refused in one line naming them all: a file of
    several (a recogniser's transcripts of calls heard as nothing, ``rnnkit transcribe --json``) was refused a line
    at a time, the next named only once the last was mended. ``empty``: blank texts; ``null``: a JSONL null."""

    path: str
    column: str
    empty: list[int] = field(default_factory=list)
    null: list[int] = field(default_factory=list)

    def refuse(self) -> None:
        """Raise the :class:`UserError` naming the first line, then how many there are and which (the first few):
        ``heard.jsonl:7: column 'text' is empty on 3 rows (lines 7, 19, 23); ...``; nothing when there are none."""
        lines = sorted(self.empty + self.null)
        if not lines:
            return
        what = ("empty or null" if self.empty and self.null else "null (a missing value)" if self.null
                else "empty")
        if len(lines) == 1:
            raise UserError(f"{self.path}:{lines[0]}: column {self.column!r} is {what}; every row needs a text")
        raise UserError(f"{self.path}:{lines[0]}: column {self.column!r} is {what} on "
                        f"{counted(len(lines), 'row', ',')} ({line_numbers(lines)}); every row needs a text: give each "
                        "one, or leave those rows out")


def _column_names(path: str, line: int, header: Sequence[str], text_column: str, label_column: str) -> list[str]:
    """The names a CSV/TSV file's rows are kept under: its header's, a name met again made distinct (``note (column
    4)``; an unnamed one ``column 4``), so that no column's cells are lost where the rows are written back
    (``predict --file`` wrote the cells of the last of two ``note`` columns under both). The text or label column
    named twice is refused, naming both places: which of them is meant cannot be told. A made name is none that
    the header writes or that was made before (``note,note,note (column 2)``: the second ``note`` is ``note (column
    2) (2)``; it was ``note (column 2)``, and the last column's cells were written under both)."""
    first: dict[str, int] = {}
    taken = set(header)
    names = []
    for i, name in enumerate(header):
        if name not in first:
            first[name] = i
        elif name in (text_column, label_column):
            raise UserError(f"{path}:{line}: two columns are named {name!r} (columns {first[name] + 1} and {i + 1}); "
                            "expected one: rename the other")
        else:
            made = name = f"{name} (column {i + 1})" if name else f"column {i + 1}"
            for n in itertools.count(2):
                if name not in taken:
                    break
                name = f"{made} ({n})"
            taken.add(name)
        names.append(name)
    return names


def _csv_reader(content: str, delimiter: str) -> Reader:
    """A strict csv reader of ``content`` from its start (a quoted field may hold a line end); spaces after a
    separator are skipped, so that ``good film, "pos"`` (written by hand, or by tools that put a space after each
    comma) is the label ``pos``, not ``"pos"`` with its quotes, and a quoted field there may hold the separator."""
    return csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True, skipinitialspace=True)


def _separator_name(delimiter: str) -> str:
    """What separates the fields, in a message: ``"tab"`` or ``"comma"``."""
    return "tab" if delimiter == "\t" else "comma"


def _read_header(path: str, reader: Reader) -> list[str]:
    """The column names of the first line that is not blank (stripped: blank lines before it are skipped, as they
    are after it; the file's line 1 was read as a header of no columns); an empty file or a malformed line is
    refused."""
    header: list[str] = []
    while not any(h.strip() for h in header):
        try:
            header = next(reader)
        except StopIteration:
            raise UserError(f"{path}: the file is empty; expected a header line naming the columns") from None
        except csv.Error as exc:
            raise UserError(f"{path}:{reader.line_num}: malformed header ({exc})") from None
    return [h.strip() for h in header]


def _refuse_separator_line(path: str, content: str, line: int, header: Sequence[str], delimiter: str) -> None:
    """Refuse Excel's ``sep=;`` line (some of its exports begin a CSV with one, naming the separator) in one line
    saying to delete it: rnnkit reads a file by its name, as pandas does, which does not honour the line either;
    read as a header it was 'text column 'text' is missing; the first line is one field 'sep=;''. The line is
    shown as ``content`` writes it, line ``line`` (the header's cells are stripped: ``sep=`` and a tab was shown
    as 'sep=', and in a .csv file no mend was said)."""
    first = delimiter.join(header).strip()
    if len(header) > 2 or not first.lower().startswith("sep=") or len(first) > 5:
        return
    # found without a copy of the whole text (io.StringIO, once read, holds it at four bytes a character)
    lines = (m.group() for m in _PHYSICAL_LINE.finditer(content))
    written = next(itertools.islice(lines, line - 1, None), "").strip(" \r\n")
    if not written.lower().startswith("sep=") or len(written) > 5:
        written = first
    separator = written[4:] or delimiter
    mend = "" if separator == delimiter else (f", and save the file {_separator_name(delimiter)}-separated (its rows "
                                              f"are separated by {separator!r})")
    raise UserError(f"{path}:{line}: {written!r} is Excel's line naming the separator, which rnnkit does not honour "
                    f"(nor does pandas): delete the line{mend}")


def _check_columns(path: str, line: int, header: Sequence[str], delimiter: str, text_column: str, label_column: str,
                   require_label: bool) -> None:
    """Refuse a header without the text column (saying so when the file looks separated by another character
    than its name says) or, when ``require_label``, without the label column."""
    if text_column not in header:
        if len(header) == 1 and ";" in header[0] and delimiter not in header[0]:
            raise UserError(
                f"{path}:{line}: text column {text_column!r} is missing; the first line is one field "
                f"{_shown_name(header[0])}: the file looks semicolon-separated (as Excel saves CSV where a comma "
                "is the decimal mark); rnnkit reads .csv files comma-separated and .tsv tab-separated: save it so"
            )
        if len(header) == 1 and ("," in header[0] or "\t" in header[0]):
            raise UserError(
                f"{path}:{line}: text column {text_column!r} is missing; the header is one field "
                f"{header[0]!r}: is the file {_separator_name(delimiter)}-separated as its name says?"
            )
        raise _missing_column(path, line, "text", text_column, header, "--text-column",
                              NO_HEADER_HINT[require_label])
    if require_label and label_column not in header:
        raise _missing_column(path, line, "label", label_column, header, "--label-column")


def _delimited_rows(path: str, reader: Reader, header: list[str], delimiter: str, check_header: bool,
                    emptied: list[int] | None = None) -> Iterator[tuple[int, int, list[str]]]:
    """The rows after the header line, each with the lines it starts and ends on; blank lines and lines of empty fields
    (``,,``) are skipped, as :func:`_headerless_columns` skips them (the lines of the latter appended to
    ``emptied``). A row the csv
    module cannot read, one with another number of fields than ``header`` and (with ``check_header``) a copy of
    the header line are refused, naming the line (and where a quote made the row run on)."""
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            spans = f" (this row runs on to line {reader.line_num})" if reader.line_num > start else ""
            raise UserError(f"{path}:{start}: malformed row{spans}: {_quote_error(exc)}") from None
        line = start
        start = reader.line_num + 1
        if not any(field.strip() for field in row):
            if len(row) > 1 and emptied is not None:  # one of empty fields only (',,': Excel's emptied rows)
                emptied.append(line)
            continue  # a blank line too
        if check_header and len(header) > 1 and [_bare(f) for f in row] == header:
            raise UserError(f"{path}:{line}: this row repeats the header line ({', '.join(map(_shown_name, header))}): "
                            "files joined with their header lines? remove it; it would be read as data")
        if len(row) != len(header):
            spans = f"; it runs to line {start - 1}: {UNCLOSED_QUOTE}" if start - 1 > line else ""
            raise UserError(
                f"{path}:{line}: malformed row: {len(row)} fields, but the header has {len(header)} "
                f"({_separator_name(delimiter)}-separated; quote fields that contain the separator){spans}"
            )
        if delimiter == "\t" and start - 1 > line:
            _refuse_swallowed_rows(path, line, start - 1, row, len(header))
        yield line, start - 1, row


def _refuse_swallowed_rows(path: str, line: int, end: int, row: Sequence[str], width: int, delimiter: str = "\t",
                           labelled: tuple[int, Collection[str]] | None = None) -> None:
    """Refuse a row that runs from ``line`` to ``end`` when each of its lines, its quotes read as characters, is a
    row of its own (``width`` fields separated by ``delimiter``, as the header; blank lines aside), one of them
    inside a quoted field: a stray quote opening a field of an unquoted file (``"Hi`` ...) took in the rows after it
    up to the next quote that ends a field, and they were read, unsaid, as one text. A quoted field may hold line
    breaks and tabs (pandas, Excel and ``predict --output`` write such a field so: code indented with tabs, a pasted
    table), and its row is read unless all its lines have the header's tabs, as a stray quote leaves them (rarely,
    a text so written). A line of prose holds commas as often as not, so a CSV row (``labelled``: the label
    column's index and the file's labels) is refused only where each of its lines has a label of the file in that
    column, as the rows a stray quote took in have (any line inside it then names it)."""
    def reads_as_row(text: str) -> bool:
        fields = text.split(delimiter)
        return len(fields) == width and (labelled is None or _label_field(fields[labelled[0]], labelled[1]))

    lines = delimiter.join(row).split("\n")
    if width < 2 or not all(reads_as_row(text) for text in lines if text.strip()):
        return
    inner = (_inner_row(line, row, reads_as_row) if labelled is None else
             next((line + k for k, text in enumerate(lines[1:], start=1) if text.strip()), None))
    if inner is not None:
        raise UserError(f"{path}:{line}: this row runs on to line {end}, and line {inner}, inside it, reads as a row "
                        f"of its own ({width} {_separator_name(delimiter)}-separated fields"
                        f"{'' if labelled is None else ', a label of the file in its label column'}): {UNCLOSED_QUOTE}")


def _label_field(text: str, labels: Collection[str]) -> bool:
    """Whether ``text``, a field of a line inside a CSV row, is a label of the file (``labels``) as a row's label
    field is written, with no space before it: a line of prose ending ``fast, 5`` or ``liked it, pos`` is a text's,
    not a row a stray quote took in."""
    return text == text.lstrip() and text.strip() in labels


def _inner_row(line: int, row: Sequence[str], reads_as_row: Callable[[str], bool]) -> int | None:
    """The first line of a TSV row starting on ``line`` that lies inside a quoted field (after a line break within
    one of its cells) and reads as a row of its own; None where none does."""
    at = line
    for cell in row:
        for k, inner in enumerate(cell.split("\n")[1:], start=1):
            if reads_as_row(inner):
                return at + k
        at += cell.count("\n")
    return None


def _cell_label(row: Sequence[str], li: int, where: str, label_column: str, require_label: bool) -> str | None:
    """A row's label: its cell ``li`` stripped; None without a label column (``li`` -1) or for a blank cell (a row
    still to be labelled, for prediction), which is refused at ``where`` when ``require_label``."""
    if li < 0:
        return None
    label = row[li].strip() or None
    if label is None and require_label:
        raise UserError(f"{where}: column {label_column!r} is empty; every row needs a label")
    return label


def _split_cell(cell: str | None, separator: str, where: str) -> list[str]:
    """The labels of a CSV/TSV label cell split at ``separator`` (stripped, a repeated one once); an empty
    one between two separators is refused, naming ``where``."""
    if cell is None:
        return []
    parts = [part.strip() for part in cell.split(separator)]
    if "" in parts:
        raise UserError(f"{where}: an empty label in {cell!r} (split at --label-separator {separator!r}); "
                        "expected labels between the separators")
    return _distinct(parts)


def _bare(field: str) -> str:
    """A field as it is compared with the header line: without the spaces around it (the BOM that begins a line
    where files were joined with theirs, as Excel's CSV UTF-8 are, is dropped on reading: :func:`read_utf8`)."""
    return field.strip()


def _headerless_columns(content: str, delimiter: str, text_column: str,
                        label_column: str) -> tuple[list[str], str] | None:
    """The column names of a file without a header line (the format of many corpora: ``"label","text"``
    rows), and a sentence saying how it is read; None when it does not look like one.

    The first line is data, not names, when a column's value on it comes again below it, in a line that
    is not a copy of the whole first line (a header line again, in files joined with theirs). The labels are
    the one such column with at most half as many distinct values as rows (or two), a column of one
    value beside another such column left out; the texts are the column of the most words (then
    characters) among the others, which must have more distinct values. Two candidates for the labels,
    or none, leave the file to its header line, as does a first line ``0,1,...`` (what pandas' ``to_csv``
    writes for a table read with ``header=None``, whose labels may be 0 and 1 too)."""
    try:
        rows = [[_bare(f) for f in r] for r in _csv_reader(content, delimiter) if any(f.strip() for f in r)]
    except csv.Error:
        return None
    width = len(rows[0]) if rows else 0
    if len(rows) < 3 or width < 2 or any(len(r) != width for r in rows):
        return None
    if rows[0][rows[0][0] == "":] == [str(i) for i in range(width - (rows[0][0] == ""))]:
        return None  # pandas' names of unnamed columns, 0,1,... (after an unnamed index): a header line
    columns = list(zip(*rows, strict=True))
    distinct = [len(set(c)) for c in columns]
    # a later copy of the whole first line is no evidence: a header line again, where files were joined
    again = list(zip(*[r for r in rows[1:] if r != rows[0]], strict=True)) or [()] * width
    labels = [i for i, c in enumerate(columns) if distinct[i] <= max(2, len(rows) // 2) and c[0] in again[i]]
    if len(labels) > 1:  # a column of one value (a source, a language) beside the labels is not them
        labels = [i for i in labels if distinct[i] > 1]
    if len(labels) != 1:
        return None
    li = labels[0]
    # the most words, then the most characters: a URL or an id is long, but one word
    ti = max((i for i in range(width) if i != li),
             key=lambda i: (sum(len(v.split()) for v in columns[i]), sum(map(len, columns[i]))))
    if distinct[ti] <= distinct[li]:
        return None
    names = [label_column if i == li else text_column if i == ti else f"column {i + 1}" for i in range(width)]
    return names, (f"no header line: column {ti + 1} of {width} read as the texts, column {li + 1} as the labels "
                   f"({distinct[li]} distinct values); a header line naming the columns decides it instead (if line 1 "
                   "is one, pick its columns with --text-column and --label-column)")


def _read_jsonl(path: str, content: str, text_column: str, label_column: str, require_label: bool) -> Table:
    texts: list[str] = []
    labels: list[str | None] = []
    lines: list[int] = []
    rows: list[dict[str, Any]] = []
    columns: list[str] = []
    sets: list[list[str]] = []
    listed = False  # a label given as a list: the rows may have several labels
    textless = _Textless(path, text_column)
    # lines as _text_lines has them (JSON holds no raw CR inside a string); str.splitlines() would also cut at
    # U+2028, U+0085 ..., which JSON strings hold unescaped (json.dumps(..., ensure_ascii=False) writes them so)
    for number, raw in enumerate(_text_lines(content), start=1):
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        obj = _jsonl_object(where, raw, text_column, label_column)
        for key in obj:
            if key not in columns:
                columns.append(key)
        if text_column not in obj:
            raise _missing_column(path, number, "text", text_column, list(obj), "--text-column")
        value = obj[text_column]
        if value is None or (isinstance(value, str) and not value.strip()):  # null: pandas' to_json of NaN
            (textless.empty if value is not None else textless.null).append(number)
            continue
        if not isinstance(value, str):
            shown = json.dumps(value, ensure_ascii=False)[:40]  # as written: Korean tokens were "\uc5c4\ub9c8"
            raise UserError(f"{where}: column {text_column!r} is {shown}, not a string; expected the text in quotes")
        if label_column not in obj and require_label:
            raise _missing_column(path, number, "label", label_column, list(obj), "--label-column")
        label, names = _jsonl_label(where, obj.get(label_column), label_column, require_label)
        listed = listed or isinstance(obj.get(label_column), list)
        texts.append(value)
        labels.append(label)
        lines.append(number)
        rows.append(obj)  # as JSON typed them: written back to JSONL as they came, to CSV as their JSON text
        sets.append(names)
    textless.refuse()
    table = Table(path, texts, labels, lines, columns, rows)
    return _with_label_sets(table, sets, always=listed)


def _jsonl_object(where: str, raw: str, text_column: str, label_column: str) -> dict[str, Any]:
    """The JSON object of one JSONL line, its keys as :func:`_as_typed` has them; ``where`` is ``path:line``."""
    try:
        obj = strictjson.loads(raw)
    except json.JSONDecodeError as exc:
        raise UserError(f"{where}: malformed row: not JSON ({exc.msg}: column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise UserError(f"{where}: malformed row: expected a JSON object {{...}} on each line")
    return dict(zip(_as_typed(list(obj), text_column, label_column), obj.values(), strict=True))


def _jsonl_label(where: str, raw_label: Any, label_column: str, require_label: bool) -> tuple[str | None, list[str]]:
    """``(label, names)`` of a JSONL row's label value (None when the row has none): a list's key is its labels
    sorted, joined by spaces; an empty or missing one is refused when ``require_label``."""
    label: str | None = None
    names: list[str] = []
    if isinstance(raw_label, dict):
        raise UserError(f"{where}: column {label_column!r} must be a string, a number or a list of strings")
    if isinstance(raw_label, list):  # several labels: the row's key is them sorted, joined by spaces
        names = _json_labels(raw_label, f"{where}: column {label_column!r}", require_label)
        label = _label_key(names)
    elif raw_label is not None:
        label = _label_string(raw_label) or None
        names = [label] if label else []
    if label is None and require_label:
        raise UserError(f"{where}: column {label_column!r} is empty; every row needs a label")
    return label, names


def _json_labels(value: list[Any], where: str, require_label: bool) -> list[str]:
    """A JSONL label list's labels (stripped, a repeated one once): each a non-empty string; an empty list
    only where labels are not required."""
    if not value and require_label:
        raise UserError(f"{where} is an empty list; every row needs at least one label")
    for item in value:
        if not isinstance(item, str):
            raise UserError(f"{where}: {json.dumps(item)[:40]} in the list is not a string; expected a list of "
                            "label strings")
        if not item.strip():
            raise UserError(f"{where}: an empty label in the list; expected non-empty strings")
    return _distinct([item.strip() for item in value])


def check_labels_known(table: Table, known: Sequence[str], label_column: str = "label",
                       whose: str = "the model's labels", remedy: str = "") -> None:
    """Refuse a row whose label is not one of ``known`` (``whose``: what they are, the model's, the resumed run's
    or those of the training data named), in one line: file, line, column, the known labels, and ``remedy`` (how
    to go on) where the label is not one of them in another spelling (then: how to write it)."""
    allowed = set(known)
    for names, line in zip(table.label_lists(), table.lines, strict=True):
        label = next((name for name in names if name not in allowed), None)
        if label is not None:
            shown = ", ".join(repr(k) for k in list(known)[:10])
            near = next((k for k in known if label_key(k) == label_key(label)), None)
            hint = f"; it differs from the training label {near!r} only in {spelled_apart(label)}: write it " \
                   f"{near!r}" if near is not None else remedy
            raise UserError(
                f"{table.path}:{line}: column {label_column!r}: label {label!r} is not one of {whose}: {shown}{hint}"
            )


def jsonl_row(columns: Sequence[str], row: dict[str, Any]) -> str:
    """One row as a JSONL line (without its newline): the columns in order, a missing one empty, a number
    (a probability) as a JSON number."""
    return json.dumps({c: row.get(c, "") for c in columns}, ensure_ascii=False)


def write_rows(fh: TextIO, fmt: str, columns: Sequence[str], rows: Sequence[dict[str, Any]],
               fixed: Collection[str] = ()) -> None:
    """Write rows to an open file as ``fmt`` (``"csv"``, ``"tsv"`` or ``"jsonl"``, see :func:`file_format`);
    JSONL keeps each value's JSON type; in CSV and TSV a number of the ``fixed`` columns (probabilities) is
    written with six decimals, any other value that is not a string as its JSON text (``3``, ``0.5``, ``true``)."""
    if fmt == "jsonl":
        for row in rows:
            fh.write(jsonl_row(columns, row) + "\n")
        return
    writer = csv.writer(fh, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow([_field(row.get(c, ""), c in fixed) for c in columns])


def _field(value: Any, fixed: bool) -> str:
    if isinstance(value, str):
        return value
    if fixed and isinstance(value, float):
        return f"{value:.6f}"
    return json.dumps(value, ensure_ascii=False)


def write_table(path: str | Path, columns: Sequence[str], rows: Sequence[dict[str, Any]],
                fixed: Collection[str] = ()) -> None:
    """Write rows as CSV, TSV or JSONL (from the file name, see :func:`write_rows`), UTF-8 without a BOM,
    whole or not at all (:func:`rnnkit.files.output_file`)."""
    with output_file(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        write_rows(fh, file_format(path), columns, rows, fixed)
